import { z } from 'zod';

/** DICOM UIDs: dotted decimal components without leading zeros, at most 64 characters. */
export const DICOM_UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$/;
export const DicomUidSchema = z.string().max(64).regex(DICOM_UID_PATTERN, 'not a valid DICOM UID');

export function isDicomUid(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 64 && DICOM_UID_PATTERN.test(value);
}

/** Storage SOP classes a remote centre may send for a stroke work-up. */
export const STORAGE_SOP_CLASSES = {
  '1.2.840.10008.5.1.4.1.1.2': 'CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.2.1': 'Enhanced CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.2.2': 'Legacy Converted Enhanced CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.4': 'MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.4.1': 'Enhanced MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.4.4': 'Legacy Converted Enhanced MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.1': 'Multi-frame Single Bit Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.2': 'Multi-frame Grayscale Byte Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.3': 'Multi-frame Grayscale Word Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.7.4': 'Multi-frame True Color Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.12.1': 'X-Ray Angiographic Image Storage',
  '1.2.840.10008.5.1.4.1.1.12.1.1': 'Enhanced XA Image Storage',
} as const;

/** Transfer syntaxes instances are accepted and stored in, as received. */
export const TRANSFER_SYNTAXES = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, First-Order Prediction (Process 14 SV1)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
} as const;

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';

/**
 * Why one instance was not stored. Each maps to a DIMSE status for C-STORE and to a FailureReason for STOW-RS
 * (PS3.4 Annex GG / PS3.18 table 10.5.3-2), so both entry points answer alike.
 */
export const STORE_FAILURES = {
  NOT_DICOM: { dimse: 0xc000, message: 'Not a DICOM Part 10 file' },
  MALFORMED: { dimse: 0xc000, message: 'The data set cannot be parsed' },
  MISSING_UID: { dimse: 0xa900, message: 'A required UID is missing' },
  INVALID_UID: { dimse: 0xa900, message: 'A UID is not a valid DICOM UID' },
  SOP_MISMATCH: { dimse: 0xa900, message: 'The file meta information does not match the data set' },
  SOP_CLASS_NOT_SUPPORTED: { dimse: 0x0122, message: 'SOP class not supported' },
  TRANSFER_SYNTAX_NOT_SUPPORTED: { dimse: 0xc122, message: 'Transfer syntax not supported' },
  INSTANCE_CONFLICT: { dimse: 0xa900, message: 'An instance with this SOP Instance UID but other content is already stored' },
  STUDY_UID_MISMATCH: { dimse: 0xa900, message: 'The instance does not belong to the study named in the request' },
  STUDY_OF_ANOTHER_SITE: { dimse: 0xa900, message: 'This study was already received from another site' },
  TOO_LARGE: { dimse: 0xa700, message: 'The instance is larger than the server accepts' },
  OUT_OF_RESOURCES: { dimse: 0xa700, message: 'The server could not store the instance' },
} as const;
export type StoreFailure = keyof typeof STORE_FAILURES;

export type StoreOutcome =
  | { status: 'stored' | 'duplicate'; sopClassUid: string; sopInstanceUid: string; studyInstanceUid: string }
  | { status: 'rejected'; reason: StoreFailure; detail?: string; sopClassUid?: string; sopInstanceUid?: string };

/** Arrival events: ids, counts and descriptions only, never patient names or identifiers. */
const StudyEventBase = z.object({
  studyId: z.uuid(),
  studyInstanceUid: z.string(),
  siteCode: z.string(),
  modalities: z.array(z.string()),
  description: z.string().nullable(),
  seriesCount: z.number().int(),
  instanceCount: z.number().int(),
  /** ISO time the first instance was stored. */
  firstReceivedAt: z.string(),
  /** ISO time the event was raised. */
  at: z.string(),
});

export const StudyEventSchema = z.discriminatedUnion('type', [
  /** The first instance of a new study is stored. */
  StudyEventBase.extend({ type: z.literal('study.arriving') }),
  /** More instances of an arriving study are stored (coalesced). */
  StudyEventBase.extend({ type: z.literal('study.updated') }),
  /** No instance of the study arrived for the quiet period. */
  StudyEventBase.extend({ type: z.literal('study.complete') }),
]);
export type StudyEvent = z.infer<typeof StudyEventSchema>;
