import dcmjs, { type DicomJsonDataset } from 'dcmjs';
import {
  isDicomUid,
  STORAGE_SOP_CLASSES,
  TRANSFER_SYNTAXES,
  type StoreFailure,
} from '@telestroke/shared';

const PIXEL_DATA = '7FE00010';

// dcmjs reports what it tolerates on the console; outcomes are reported by the ingest, once.
dcmjs.log.setLevel('silent');

/** What the server needs to know about one instance, read from its header without touching the pixels. */
export interface ParsedInstance {
  transferSyntaxUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** The data set up to the pixel data, as DICOM JSON (PS3.18 F.2). */
  dataset: DicomJsonDataset;
  /** Where the data set starts: after the preamble, "DICM" and the file meta group. */
  datasetOffset: number;
}

export class Part10Error extends Error {
  readonly reason: StoreFailure;
  constructor(reason: StoreFailure, detail: string) {
    super(detail);
    this.reason = reason;
  }
}

/** The first value of an element of a DICOM JSON data set, as a string. */
export function str(ds: DicomJsonDataset, tag: string): string | undefined {
  const v = ds[tag]?.Value?.[0];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object' && 'Alphabetic' in (v as object)) return String((v as { Alphabetic: unknown }).Alphabetic).replace(/\0/g, '');
  const s = String(v).replace(/\0/g, '').trim();
  return s === '' ? undefined : s;
}

export function int(ds: DicomJsonDataset, tag: string): number | undefined {
  const v = Number(str(ds, tag));
  return Number.isFinite(v) ? Math.trunc(v) : undefined;
}

function uid(ds: DicomJsonDataset, tag: string, name: string): string {
  const v = str(ds, tag)?.replace(/\0+$/, '');
  if (v === undefined) throw new Part10Error('MISSING_UID', `${name} (${tag}) is missing`);
  if (!isDicomUid(v)) throw new Part10Error('INVALID_UID', `${name} (${tag}) is not a valid UID`);
  return v;
}

/**
 * Offset of the data set: 128-byte preamble, "DICM", then the group 0002 elements, whose length the first
 * element (FileMetaInformationGroupLength, explicit VR UL) gives.
 */
export function datasetOffsetOf(header: Buffer): number {
  if (header.length < 144 || header.toString('latin1', 128, 132) !== 'DICM') {
    throw new Part10Error('NOT_DICOM', 'No DICM prefix at byte 128');
  }
  if (header.readUInt16LE(132) !== 0x0002 || header.readUInt16LE(134) !== 0x0000 || header.toString('latin1', 136, 138) !== 'UL') {
    throw new Part10Error('MALFORMED', 'The file meta information has no group length');
  }
  return 144 + header.readUInt32LE(140);
}

/**
 * Parses the header of a Part 10 file and checks what the server needs to store it. `header` may be only
 * the start of the file: parsing stops at the pixel data. Throws Part10Error with the DIMSE-mapped reason.
 * `complete` says whether `header` is the whole file, so that truncation is told apart from a short read.
 */
export function parsePart10(header: Buffer, complete: boolean): ParsedInstance {
  const datasetOffset = datasetOffsetOf(header);
  if (datasetOffset > header.length) {
    throw new Part10Error(complete ? 'MALFORMED' : 'MALFORMED', 'The file meta information is truncated');
  }
  let dict;
  try {
    const ab = header.buffer.slice(header.byteOffset, header.byteOffset + header.byteLength) as ArrayBuffer;
    // ignoreErrors: dcmjs refuses some valid files (several character sets, ISO 2022); the structure was
    // already checked strictly, and a data set it cannot read still fails on its missing UIDs below.
    dict = dcmjs.data.DicomMessage.readFile(ab, { untilTag: PIXEL_DATA, includeUntilTagValue: false, ignoreErrors: true });
  } catch (err) {
    throw new Part10Error('MALFORMED', `The data set cannot be parsed: ${(err as Error).message.slice(0, 200)}`);
  }
  const meta = dict.meta;
  const ds = dict.dict;
  // A value longer than the file was invented by a misframed read (dcmjs takes an unknown VR for UN and a 4-byte
  // length from the next element's bytes): never copy it anywhere.
  for (const el of Object.values(ds)) {
    for (const v of Array.isArray(el?.Value) ? el.Value : []) {
      if (v instanceof ArrayBuffer && v.byteLength > header.length) throw new Part10Error('MALFORMED', 'An element is longer than the file');
    }
  }
  delete ds[PIXEL_DATA];
  const transferSyntaxUid = uid(meta, '00020010', 'TransferSyntaxUID');
  if (!(transferSyntaxUid in TRANSFER_SYNTAXES)) {
    throw new Part10Error('TRANSFER_SYNTAX_NOT_SUPPORTED', `Transfer syntax ${transferSyntaxUid} is not accepted`);
  }
  const sopClassUid = uid(ds, '00080016', 'SOPClassUID');
  const sopInstanceUid = uid(ds, '00080018', 'SOPInstanceUID');
  const studyInstanceUid = uid(ds, '0020000D', 'StudyInstanceUID');
  const seriesInstanceUid = uid(ds, '0020000E', 'SeriesInstanceUID');
  const metaClass = str(meta, '00020002')?.replace(/\0+$/, '');
  const metaInstance = str(meta, '00020003')?.replace(/\0+$/, '');
  if ((metaClass && metaClass !== sopClassUid) || (metaInstance && metaInstance !== sopInstanceUid)) {
    throw new Part10Error('SOP_MISMATCH', 'MediaStorageSOP UIDs differ from the SOP UIDs of the data set');
  }
  if (!(sopClassUid in STORAGE_SOP_CLASSES)) {
    throw new Part10Error('SOP_CLASS_NOT_SUPPORTED', `SOP class ${sopClassUid} is not accepted`);
  }
  return { transferSyntaxUid, sopClassUid, sopInstanceUid, studyInstanceUid, seriesInstanceUid, dataset: ds, datasetOffset };
}
