import type { DicomElement, DicomJsonDataset } from 'dcmjs';

/** PostgreSQL text and jsonb cannot hold U+0000, which some devices use as padding. */
function noNul(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\0/g, '');
  if (v && typeof v === 'object' && !(v instanceof ArrayBuffer)) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, noNul(x)]));
  }
  return v;
}

const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

/**
 * dcmjs's parsed data set as PS3.18 DICOM JSON: binary values become InlineBinary, sequences recurse, and
 * dcmjs's private bookkeeping (raw values) is dropped.
 */
export function toDicomJson(ds: DicomJsonDataset): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const [tag, el] of Object.entries(ds)) {
    if (!el || typeof el.vr !== 'string') continue;
    const clean: DicomElement = { vr: el.vr };
    const values = el.Value;
    if (BINARY_VRS.has(el.vr)) {
      const parts = (values ?? []).filter((v): v is ArrayBuffer => v instanceof ArrayBuffer);
      const total = Buffer.concat(parts.map((p) => Buffer.from(p)));
      if (total.length) clean.InlineBinary = total.toString('base64');
    } else if (el.vr === 'SQ') {
      if (values?.length) clean.Value = values.map((item) => toDicomJson(item as DicomJsonDataset));
    } else if (values?.length && !(values.length === 1 && (values[0] === '' || values[0] === null))) {
      clean.Value = values.map(noNul);
    }
    out[tag] = clean;
  }
  return out;
}

/** The elements of `tags` that `ds` has. */
export function pick(ds: DicomJsonDataset, tags: readonly string[]): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const t of tags) if (ds[t]) out[t] = ds[t];
  return out;
}

/** Tags PS3.18 lists as the study level of QIDO-RS results, plus what the worklist shows. */
export const STUDY_LEVEL_TAGS = [
  '00080005', '00080020', '00080030', '00080050', '00080090', '00081030', '00080080',
  '00100010', '00100020', '00100030', '00100040', '0020000D', '00200010',
] as const;

export const SERIES_LEVEL_TAGS = [
  '00080005', '00080021', '00080031', '00080060', '0008103E', '00180015', '0020000E', '00200011',
] as const;
