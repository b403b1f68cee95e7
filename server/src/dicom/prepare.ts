import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { isDicomUid, type StoreFailure, type StoreOutcome } from '@telestroke/shared';
import { pick, SERIES_LEVEL_TAGS, STUDY_LEVEL_TAGS, toDicomJson } from './dicom-json';
import { datasetOffsetOf, int, parsePart10, Part10Error, str, type ParsedInstance } from './part10';

/** What the database needs to file one instance under its patient, study and series, read from its header. */
export interface FilingRecord {
  transferSyntaxUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  patientId: string;
  patientName: string | null;
  birthDate: string | null;
  sex: string | null;
  studyDate: string | null;
  studyTime: string | null;
  accessionNumber: string | null;
  studyId: string | null;
  studyDescription: string | null;
  referringPhysician: string | null;
  /** The study-level attributes QIDO-RS answers, as DICOM JSON text. */
  studyAttributes: string;
  modality: string | null;
  seriesNumber: number | null;
  seriesDescription: string | null;
  bodyPart: string | null;
  /** The series-level attributes QIDO-RS answers, as DICOM JSON text. */
  seriesAttributes: string;
  instanceNumber: number | null;
  rows: number | null;
  columns: number | null;
  frames: number | null;
  /** The data set up to the pixel data, as DICOM JSON text (PS3.18 F.2). */
  metadata: string;
  sizeBytes: number;
}

/** An instance read and checked, ready to be written and filed. */
export interface PreparedInstance {
  record: FilingRecord;
  /** Where the data set starts, after the file meta group. */
  datasetOffset: number;
}

export type Rejection = Extract<StoreOutcome, { status: 'rejected' }>;

export class Reject extends Error {
  readonly reason: StoreFailure;
  constructor(reason: StoreFailure, detail: string) {
    super(detail);
    this.reason = reason;
  }
}

type SopIds = { sopClassUid?: string; sopInstanceUid?: string };

/**
 * The SOP UIDs of a file, or of the start of one, when its header can be read and they are valid UIDs: to name in a
 * failure an instance that failed, even for reasons found after the UIDs were read (SOP class not accepted, file meta
 * information contradicting the data set). The data set's values are preferred to the file meta's. dicom-parser is
 * used because it only indexes the bytes: a corrupt length cannot make it allocate anything, and on an error it still
 * hands over the elements read before.
 */
export function identify(bytes: Uint8Array | undefined | null): SopIds {
  if (!bytes || bytes.length < 132) return {};
  const array = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  let ds: dicomParser.DataSet | undefined;
  try {
    ds = dicomParser.parseDicom(array, { untilTag: 'x7fe00010' });
  } catch (err) {
    ds = (err as { dataSet?: dicomParser.DataSet } | null)?.dataSet;
    if (!ds) {
      try {
        ds = dicomParser.readPart10Header(array);
      } catch {
        return {};
      }
    }
  }
  const uid = (tag: string) => {
    let v: string | undefined;
    try {
      v = ds!.string(tag)?.replace(/\0+$/, '').trim();
    } catch {
      return undefined;
    }
    return isDicomUid(v) ? v : undefined;
  };
  const sopClassUid = uid('x00080016') ?? uid('x00020002');
  const sopInstanceUid = uid('x00080018') ?? uid('x00020003');
  return { ...(sopClassUid ? { sopClassUid } : {}), ...(sopInstanceUid ? { sopInstanceUid } : {}) };
}

/**
 * Checks that the pixel data and every other top-level element lie inside the file: a header parser stops
 * before the pixels, so truncation and absurd lengths are caught here. Returns where the Pixel Data element begins
 * in `bytes` when it could be found there (not in a deflated data set), so that the header can be read without them.
 */
function checkStructure(bytes: Buffer): number | undefined {
  let ds: dicomParser.DataSet;
  try {
    ds = dicomParser.parseDicom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), {
      // Called for the deflated transfer syntax only.
      inflater: (array: Uint8Array, position: number) => {
        const inflated = inflateRawSync(array.subarray(position));
        const full = new Uint8Array(position + inflated.length);
        full.set(array.subarray(0, position));
        full.set(inflated, position);
        return full;
      },
    } as dicomParser.ParseDicomOptions);
  } catch (err) {
    throw new Reject('MALFORMED', `The data set cannot be parsed: ${String(err).slice(0, 200)}`);
  }
  const size = ds.byteArray.length;
  for (const el of Object.values(ds.elements)) {
    if (el.dataOffset + el.length > size) {
      throw new Reject('MALFORMED', `Element ${el.tag} runs past the end of the file (truncated or absurd length)`);
    }
  }
  const px = ds.elements.x7fe00010;
  if (px?.encapsulatedPixelData && !(px.fragments && px.fragments.length > 0)) {
    throw new Reject('MALFORMED', 'Encapsulated pixel data without fragments');
  }
  if (!px || ds.byteArray.buffer !== bytes.buffer) return undefined;
  // The element's header is 12 bytes in explicit VR (tag, VR, reserved, length), 8 in implicit VR.
  for (const headerLength of [12, 8]) {
    const at = px.dataOffset - headerLength;
    if (at >= 0 && bytes.readUInt32LE(at) === PIXEL_DATA_TAG_LE) return at;
  }
  return undefined;
}

/** (7FE0,0010) as its four bytes read little-endian: group then element. */
const PIXEL_DATA_TAG_LE = 0x00107fe0;

function filingRecord(bytes: Buffer, p: ParsedInstance): FilingRecord {
  const ds = p.dataset;
  const metadata = toDicomJson(ds);
  return {
    transferSyntaxUid: p.transferSyntaxUid,
    sopClassUid: p.sopClassUid,
    sopInstanceUid: p.sopInstanceUid,
    studyInstanceUid: p.studyInstanceUid,
    seriesInstanceUid: p.seriesInstanceUid,
    patientId: str(ds, '00100020') ?? '',
    patientName: str(ds, '00100010') ?? null,
    birthDate: str(ds, '00100030') ?? null,
    sex: str(ds, '00100040') ?? null,
    studyDate: str(ds, '00080020') ?? null,
    studyTime: str(ds, '00080030') ?? null,
    accessionNumber: str(ds, '00080050') ?? null,
    studyId: str(ds, '00200010') ?? null,
    studyDescription: str(ds, '00081030') ?? null,
    referringPhysician: str(ds, '00080090') ?? null,
    studyAttributes: JSON.stringify(pick(metadata, STUDY_LEVEL_TAGS)),
    modality: str(ds, '00080060') ?? null,
    seriesNumber: int(ds, '00200011') ?? null,
    seriesDescription: str(ds, '0008103E') ?? null,
    bodyPart: str(ds, '00180015') ?? null,
    seriesAttributes: JSON.stringify(pick(metadata, SERIES_LEVEL_TAGS)),
    instanceNumber: int(ds, '00200013') ?? null,
    rows: int(ds, '00280010') ?? null,
    columns: int(ds, '00280011') ?? null,
    frames: int(ds, '00280008') ?? null,
    metadata: JSON.stringify(metadata),
    sizeBytes: bytes.length,
  };
}

/**
 * Reads and checks one Part 10 file: everything the ingest decides from the bytes alone, before anything is written.
 * Never throws for what the sender sent: a bad file is a `Rejection` naming, when they could be read, its SOP UIDs.
 */
export function prepareInstance(
  bytes: Buffer,
  options: { maxBytes: number; expectedStudyUid?: string | undefined },
): PreparedInstance | Rejection {
  let parsed: ParsedInstance | undefined;
  try {
    if (bytes.length > options.maxBytes) throw new Reject('TOO_LARGE', `The instance is over ${options.maxBytes} bytes`);
    datasetOffsetOf(bytes);
    const pixelDataAt = checkStructure(bytes);
    // The header alone: the parser would otherwise copy the whole file, pixels included, to skip them.
    parsed = parsePart10(pixelDataAt === undefined ? bytes : bytes.subarray(0, pixelDataAt), true);
    if (options.expectedStudyUid && options.expectedStudyUid !== parsed.studyInstanceUid) {
      throw new Reject('STUDY_UID_MISMATCH', `The instance belongs to study ${parsed.studyInstanceUid}`);
    }
    return { record: filingRecord(bytes, parsed), datasetOffset: parsed.datasetOffset };
  } catch (err) {
    if (!(err instanceof Reject || err instanceof Part10Error)) throw err;
    const ids = parsed ? { sopClassUid: parsed.sopClassUid, sopInstanceUid: parsed.sopInstanceUid } : identify(bytes);
    return { status: 'rejected', reason: err.reason, detail: err.message, ...ids };
  }
}
