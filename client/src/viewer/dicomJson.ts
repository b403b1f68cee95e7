/**
 * Reading the DICOM JSON model (PS3.18 F.2) that our WADO-RS metadata and QIDO-RS answers carry: one object per
 * instance or series, keyed by the 8-hex-digit tag.
 */
export interface DicomJsonElement {
  vr: string;
  Value?: unknown[];
  BulkDataURI?: string;
}
export type DicomJsonDataset = Record<string, DicomJsonElement | undefined>;

export function str(ds: DicomJsonDataset, tag: string): string | undefined {
  const v = ds[tag]?.Value?.[0];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') return personNameText(v);
  return String(v);
}

export function nums(ds: DicomJsonDataset, tag: string): number[] | undefined {
  const values = ds[tag]?.Value;
  if (!values || values.length === 0) return undefined;
  const out = values.map((v) => Number(v));
  return out.every(Number.isFinite) ? out : undefined;
}

export function num(ds: DicomJsonDataset, tag: string): number | undefined {
  return nums(ds, tag)?.[0];
}

/** `{Alphabetic: "DOE^JANE"}` as "DOE JANE": components joined by spaces, empty ones dropped. */
function personNameText(value: object): string | undefined {
  const alphabetic = (value as { Alphabetic?: unknown }).Alphabetic;
  if (typeof alphabetic !== 'string') return undefined;
  return alphabetic
    .split('^')
    .map((p) => p.trim())
    .filter(Boolean)
    .join(' ');
}

export type Vec3 = [number, number, number];

/** What the viewer needs of one instance to place, sort and measure it. */
export interface SliceInfo {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  instanceNumber: number | undefined;
  /** ImagePositionPatient: the centre of the first transmitted pixel, mm. */
  position: Vec3 | undefined;
  /** ImageOrientationPatient: row then column direction cosines. */
  orientation: [number, number, number, number, number, number] | undefined;
  rows: number;
  columns: number;
  /** PixelSpacing: between rows (vertical), then between columns (horizontal), mm. */
  pixelSpacing: [number, number] | undefined;
  sliceThickness: number | undefined;
  slope: number;
  intercept: number;
  windowCenter: number | undefined;
  windowWidth: number | undefined;
}

export function sliceInfo(ds: DicomJsonDataset): SliceInfo | null {
  const sop = str(ds, '00080018');
  const series = str(ds, '0020000E');
  const rows = num(ds, '00280010');
  const columns = num(ds, '00280011');
  // Structured reports, presentation states and the like have no pixels: not slices.
  if (!sop || !series || !rows || !columns) return null;
  const ipp = nums(ds, '00200032');
  const iop = nums(ds, '00200037');
  const spacing = nums(ds, '00280030');
  return {
    sopInstanceUid: sop,
    seriesInstanceUid: series,
    instanceNumber: num(ds, '00200013'),
    position: ipp && ipp.length >= 3 ? [ipp[0]!, ipp[1]!, ipp[2]!] : undefined,
    orientation: iop && iop.length >= 6 ? [iop[0]!, iop[1]!, iop[2]!, iop[3]!, iop[4]!, iop[5]!] : undefined,
    rows,
    columns,
    pixelSpacing: spacing && spacing.length >= 2 && spacing[0]! > 0 && spacing[1]! > 0 ? [spacing[0]!, spacing[1]!] : undefined,
    sliceThickness: num(ds, '00180050'),
    slope: num(ds, '00281053') ?? 1,
    intercept: num(ds, '00281052') ?? 0,
    windowCenter: num(ds, '00281050'),
    windowWidth: num(ds, '00281051'),
  };
}

/** Patient and study lines of the overlay. Shown on screen only: never logged, never sent anywhere. */
export interface StudyHeader {
  patientName: string | undefined;
  patientId: string | undefined;
  birthDate: string | undefined;
  sex: string | undefined;
  studyDate: string | undefined;
  studyTime: string | undefined;
  institution: string | undefined;
  accession: string | undefined;
}

export function studyHeader(ds: DicomJsonDataset): StudyHeader {
  return {
    patientName: str(ds, '00100010'),
    patientId: str(ds, '00100020'),
    birthDate: str(ds, '00100030'),
    sex: str(ds, '00100040'),
    studyDate: str(ds, '00080020'),
    studyTime: str(ds, '00080030'),
    institution: str(ds, '00080080'),
    accession: str(ds, '00080050'),
  };
}

/** DICOM DA `YYYYMMDD` as `DD/MM/YYYY`; anything else as given. */
export function formatDicomDate(da: string | undefined): string | undefined {
  if (!da) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  return m ? `${m[3]}/${m[2]}/${m[1]}` : da;
}

/** DICOM TM `HHMMSS.frac` as `HH:MM`. */
export function formatDicomTime(tm: string | undefined): string | undefined {
  if (!tm) return undefined;
  const m = /^(\d{2})(\d{2})/.exec(tm.trim());
  return m ? `${m[1]}:${m[2]}` : tm;
}
