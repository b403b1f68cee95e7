import {
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
  STORAGE_SOP_CLASSES,
  STORE_FAILURES,
  TRANSFER_SYNTAXES,
  type StoreOutcome,
} from '@telestroke/shared';

export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';

/** PS3.8 table 9-18: the result of one proposed presentation context. */
export type ContextDecision =
  | { result: 'accept'; transferSyntaxUid: string }
  | { result: 'abstract-syntax-not-supported' }
  | { result: 'transfer-syntaxes-not-supported' };

const UNCOMPRESSED: readonly string[] = [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN];

export function isStorageSopClass(uid: string): boolean {
  return Object.hasOwn(STORAGE_SOP_CLASSES, uid);
}

/**
 * Accepts Verification and the storage SOP classes of STORAGE_SOP_CLASSES. The transfer syntax is the first one the
 * SCU proposes that we store: the SCU lists its preference first, and a compressed instance proposed in its own
 * syntax then arrives, and is stored, exactly as the modality encoded it.
 */
export function negotiateContext(abstractSyntaxUid: string, proposed: readonly string[]): ContextDecision {
  let acceptable: (uid: string) => boolean;
  if (abstractSyntaxUid === VERIFICATION_SOP_CLASS) acceptable = (uid) => UNCOMPRESSED.includes(uid);
  else if (isStorageSopClass(abstractSyntaxUid)) acceptable = (uid) => Object.hasOwn(TRANSFER_SYNTAXES, uid);
  else return { result: 'abstract-syntax-not-supported' };
  const chosen = proposed.find(acceptable);
  return chosen ? { result: 'accept', transferSyntaxUid: chosen } : { result: 'transfer-syntaxes-not-supported' };
}

/** What a C-STORE-RSP carries. */
export interface CStoreStatus {
  status: number;
  /** ErrorComment (LO): at most 64 characters, sent with failures only. */
  errorComment?: string;
}

export const DIMSE_SUCCESS = 0x0000;
/** PS3.7 C.4.2: Refused, SOP Class not supported. */
export const DIMSE_SOP_CLASS_NOT_SUPPORTED = STORE_FAILURES.SOP_CLASS_NOT_SUPPORTED.dimse;
/** PS3.4 B.2.3: Refused, out of resources. */
export const DIMSE_OUT_OF_RESOURCES = STORE_FAILURES.OUT_OF_RESOURCES.dimse;

/** ErrorComment is an LO: 64 characters of the default repertoire, no backslash. */
export function errorComment(text: string): string {
  return text.replace(/[^\x20-\x5b\x5d-\x7e]/g, ' ').slice(0, 64).trimEnd();
}

/**
 * The C-STORE-RSP status of an ingest outcome. A duplicate (the same data set is already stored) answers Success:
 * PS3.4 annex B defines no duplicate status for C-STORE, the SCU's request is fulfilled, and a warning (0xBxxx,
 * which PS3.4 reserves for coercion, discarded elements or SOP class mismatch) would make dcmtk's storescu and
 * Orthanc report a problem on every harmless resend. Failures take the DIMSE status of STORE_FAILURES, shared
 * with STOW-RS.
 */
export function cStoreStatusOf(outcome: StoreOutcome): CStoreStatus {
  if (outcome.status !== 'rejected') return { status: DIMSE_SUCCESS };
  const failure = STORE_FAILURES[outcome.reason];
  return { status: failure.dimse, errorComment: errorComment(outcome.detail ?? failure.message) };
}
