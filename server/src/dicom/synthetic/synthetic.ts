import { randomInt } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import dcmjs, { type DicomElement, type DicomJsonDataset } from 'dcmjs';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, isDicomUid } from '@telestroke/shared';
import { gridOrigin, HEAD_HALF_HEIGHT, PhantomRenderer } from './phantom';
import type { SyntheticInstance, SyntheticStudyOptions, WrittenInstance, WrittenStudy } from './types';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, randomUid } from './uid';

export type * from './types';

/** CT Image Storage. */
export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

/** Stored pixel value = HU + 1024, as most scanners write it, so the stored values of a head are never negative. */
export const RESCALE_INTERCEPT = -1024;

type ResolvedOptions = Required<SyntheticStudyOptions>;

/**
 * Fills in every default, drawing the random ones (patient number, accession number, study UID) once, and checks the
 * values. Passing the result back in gives the same patient and study.
 */
export function resolveStudyOptions(options: SyntheticStudyOptions = {}): ResolvedOptions {
  const kind = options.kind ?? 'ct';
  const slices = options.slices ?? 300;
  const rows = options.rows ?? 512;
  const columns = options.columns ?? 512;
  const patientNumber = options.patientNumber ?? randomInt(1, 1_000_000);
  const resolved: ResolvedOptions = {
    kind,
    slices,
    rows,
    columns,
    pixelSpacing: options.pixelSpacing ?? 230 / columns,
    sliceSpacing: options.sliceSpacing ?? (2 * HEAD_HALF_HEIGHT) / slices,
    seed: options.seed ?? 1,
    noiseHu: options.noiseHu ?? 3,
    strokeSide: options.strokeSide ?? 'left',
    transferSyntaxUid: options.transferSyntaxUid ?? EXPLICIT_VR_LITTLE_ENDIAN,
    patientNumber,
    patientName: options.patientName ?? `SYNTHETIQUE^PATIENT^${patientNumber}`,
    patientId: options.patientId ?? `SYN-${String(patientNumber).padStart(6, '0')}`,
    patientBirthDate: options.patientBirthDate ?? '19480517',
    patientSex: options.patientSex ?? 'F',
    studyDateTime: options.studyDateTime ?? new Date(),
    accessionNumber: options.accessionNumber ?? `SYN${String(randomInt(0, 100_000_000)).padStart(8, '0')}`,
    institutionName: options.institutionName ?? 'CH Mâcon',
    stationName: options.stationName ?? 'SCANNER-URG',
    studyInstanceUid: options.studyInstanceUid ?? randomUid(),
  };
  check(['ct', 'cta', 'ct+cta'].includes(kind), `kind must be ct, cta or ct+cta, not ${kind}`);
  check(isInt(slices, 1, 4096), `slices must be an integer from 1 to 4096, not ${slices}`);
  check(isInt(rows, 16, 4096) && isInt(columns, 16, 4096), `rows and columns must be integers from 16 to 4096`);
  check(resolved.pixelSpacing > 0 && resolved.sliceSpacing > 0, 'pixelSpacing and sliceSpacing must be positive');
  check(Number.isInteger(resolved.seed), `seed must be an integer, not ${resolved.seed}`);
  check(resolved.noiseHu >= 0 && resolved.noiseHu <= 200, `noiseHu must be from 0 to 200, not ${resolved.noiseHu}`);
  check(['left', 'right'].includes(resolved.strokeSide), `strokeSide must be left or right`);
  check(
    [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN].includes(resolved.transferSyntaxUid),
    `transferSyntaxUid must be ${EXPLICIT_VR_LITTLE_ENDIAN} or ${IMPLICIT_VR_LITTLE_ENDIAN}`,
  );
  check(isDicomUid(resolved.studyInstanceUid), `studyInstanceUid is not a valid DICOM UID`);
  check(/^\d{8}$/.test(resolved.patientBirthDate), 'patientBirthDate must be YYYYMMDD');
  check(!Number.isNaN(resolved.studyDateTime.getTime()), 'studyDateTime is not a valid date');
  check(
    resolved.patientId.length <= 64 && !resolved.patientId.includes('\\'),
    'patientId: at most 64 characters, no \\',
  );
  check(resolved.accessionNumber.length <= 16, 'accessionNumber: at most 16 characters');
  check(resolved.stationName.length <= 16, 'stationName: at most 16 characters');
  check(resolved.institutionName.length <= 64, 'institutionName: at most 64 characters');
  return resolved;
}

/**
 * Yields the study one Part-10 file at a time, CT series before CTA, each from the lowest slice up. Only one slice's
 * pixels and one encoded file are alive at a time. Options are checked before the first file, on this call.
 */
export function generateStudy(options: SyntheticStudyOptions = {}): Generator<SyntheticInstance, void, undefined> {
  // Typed arrays are handed to dcmjs as raw bytes, which DICOM wants little endian.
  if (os.endianness() !== 'LE') throw new Error('the synthetic DICOM generator needs a little-endian CPU');
  return instances(resolveStudyOptions(options));
}

function* instances(o: ResolvedOptions): Generator<SyntheticInstance, void, undefined> {
  const frameOfReferenceUid = randomUid();
  const series = o.kind === 'ct+cta' ? (['ct', 'cta'] as const) : ([o.kind] as const);
  const grid = { rows: o.rows, columns: o.columns, pixelSpacing: o.pixelSpacing };
  const [x0, y0] = gridOrigin(grid);
  const pixels = new Int16Array(o.rows * o.columns);
  for (const kind of series) {
    const seriesInstanceUid = randomUid();
    const renderer = new PhantomRenderer({
      grid,
      angio: kind === 'cta',
      strokeSide: o.strokeSide,
      noiseHu: o.noiseHu,
      seed: o.seed,
    });
    const { meta, dict } = seriesDataset(o, kind, seriesInstanceUid, frameOfReferenceUid);
    const file = new dcmjs.data.DicomDict(meta);
    file.dict = dict;
    for (let k = 0; k < o.slices; k++) {
      const z = round6((k - (o.slices - 1) / 2) * o.sliceSpacing);
      renderer.render(z, k, pixels);
      const sopInstanceUid = randomUid();
      meta['00020003'] = el('UI', sopInstanceUid);
      dict['00080018'] = el('UI', sopInstanceUid);
      dict['00200013'] = el('IS', String(k + 1));
      dict['00200032'] = el('DS', ds(x0), ds(y0), ds(z));
      dict['00201041'] = el('DS', ds(z));
      dict['7FE00010'] = el('OW', pixels.buffer);
      yield {
        sopInstanceUid,
        seriesInstanceUid,
        studyInstanceUid: o.studyInstanceUid,
        sopClassUid: CT_IMAGE_STORAGE,
        series: kind,
        instanceNumber: k + 1,
        bytes: Buffer.from(file.write()),
      };
    }
  }
}

/**
 * Writes the study as `1.dcm`, `2.dcm`… into `dir` (created if needed), one file at a time, and returns where each
 * instance went.
 */
export async function writeStudy(dir: string, options: SyntheticStudyOptions = {}): Promise<WrittenStudy> {
  const o = resolveStudyOptions(options);
  await mkdir(dir, { recursive: true });
  const files: WrittenInstance[] = [];
  const series: WrittenStudy['series'] = [];
  let totalBytes = 0;
  for (const { bytes, ...instance } of generateStudy(o)) {
    const file = path.join(dir, `${files.length + 1}.dcm`);
    await writeFile(file, bytes);
    files.push({ ...instance, path: file, size: bytes.length });
    totalBytes += bytes.length;
    const last = series.at(-1);
    if (last?.seriesInstanceUid === instance.seriesInstanceUid) last.instances++;
    else series.push({ series: instance.series, seriesInstanceUid: instance.seriesInstanceUid, instances: 1 });
  }
  return {
    studyInstanceUid: o.studyInstanceUid,
    patientId: o.patientId,
    accessionNumber: o.accessionNumber,
    series,
    files,
    totalBytes,
  };
}

const STUDY_DESCRIPTION = {
  ct: 'Scanner cérébral sans injection (synthétique)',
  cta: 'Angioscanner cérébral (synthétique)',
  'ct+cta': 'Scanner cérébral sans et avec injection (synthétique)',
} as const;

const SERIES = {
  ct: {
    number: 2,
    description: 'Crâne sans injection (synthétique)',
    minutesAfterStudy: 2,
    kvp: '120',
    tubeCurrent: '300',
    kernel: 'CERVEAU',
    window: { centre: '40', width: '80', explanation: 'CERVEAU' },
  },
  cta: {
    number: 3,
    description: 'Angio TSA-Willis (synthétique)',
    minutesAfterStudy: 6,
    kvp: '100',
    tubeCurrent: '250',
    kernel: 'ANGIO',
    window: { centre: '200', width: '700', explanation: 'ANGIO' },
  },
} as const;

/** Everything but the per-instance elements, which `instances()` sets on each slice. */
function seriesDataset(
  o: ResolvedOptions,
  kind: 'ct' | 'cta',
  seriesInstanceUid: string,
  frameOfReferenceUid: string,
): { meta: DicomJsonDataset; dict: DicomJsonDataset } {
  const s = SERIES[kind];
  const study = o.studyDateTime;
  const acquired = new Date(study.getTime() + s.minutesAfterStudy * 60_000);
  const meta: DicomJsonDataset = {
    '00020001': el('OB', new Uint8Array([0, 1]).buffer), // FileMetaInformationVersion
    '00020002': el('UI', CT_IMAGE_STORAGE), // MediaStorageSOPClassUID
    '00020010': el('UI', o.transferSyntaxUid),
    '00020012': el('UI', IMPLEMENTATION_CLASS_UID),
    '00020013': el('SH', IMPLEMENTATION_VERSION_NAME),
  };
  const dict: DicomJsonDataset = {
    '00080005': el('CS', 'ISO_IR 192'), // SpecificCharacterSet: UTF-8, for the accents in names
    '00080008': el('CS', 'ORIGINAL', 'PRIMARY', 'AXIAL'), // ImageType
    '00080016': el('UI', CT_IMAGE_STORAGE), // SOPClassUID
    '0008001C': el('CS', 'YES'), // SyntheticData: says so to any system these files reach
    '00080020': el('DA', da(study)), // StudyDate
    '00080021': el('DA', da(acquired)), // SeriesDate
    '00080022': el('DA', da(acquired)), // AcquisitionDate
    '00080023': el('DA', da(acquired)), // ContentDate
    // AcquisitionDateTime: local, like the other dates, and of even length because dcmjs 0.50 does not strip the
    // padding space off DT values it reads.
    '0008002A': el('DT', `${da(acquired)}${tm(acquired)}`),
    '00080030': el('TM', tm(study)), // StudyTime
    '00080031': el('TM', tm(acquired)), // SeriesTime
    '00080032': el('TM', tm(acquired)), // AcquisitionTime
    '00080033': el('TM', tm(acquired)), // ContentTime
    '00080050': el('SH', o.accessionNumber),
    '00080060': el('CS', 'CT'), // Modality
    '00080070': el('LO', 'Telestroke synthetic'), // Manufacturer
    '00080080': el('LO', o.institutionName),
    '00080090': el('PN'), // ReferringPhysicianName, type 2
    '00080201': el('SH', utcOffset(study)), // TimezoneOffsetFromUTC
    '00081010': el('SH', o.stationName),
    '00081030': el('LO', STUDY_DESCRIPTION[o.kind]),
    '0008103E': el('LO', s.description), // SeriesDescription
    '00081090': el('LO', 'Head phantom'), // ManufacturerModelName
    '00100010': el('PN', o.patientName),
    '00100020': el('LO', o.patientId),
    '00100030': el('DA', o.patientBirthDate),
    '00100040': el('CS', o.patientSex),
    '00101010': el('AS', patientAge(o.patientBirthDate, study)),
    '00180015': el('CS', 'HEAD'), // BodyPartExamined
    '00180050': el('DS', ds(o.sliceSpacing)), // SliceThickness
    '00180060': el('DS', s.kvp), // KVP
    '00181020': el('LO', IMPLEMENTATION_VERSION_NAME), // SoftwareVersions
    '00181030': el('LO', 'AVC urgence'), // ProtocolName
    '00181151': el('IS', s.tubeCurrent), // XRayTubeCurrent
    '00181210': el('SH', s.kernel), // ConvolutionKernel
    '00185100': el('CS', 'HFS'), // PatientPosition
    '0020000D': el('UI', o.studyInstanceUid),
    '0020000E': el('UI', seriesInstanceUid),
    '00200010': el('SH', '1'), // StudyID
    '00200011': el('IS', String(s.number)), // SeriesNumber
    '00200012': el('IS', '1'), // AcquisitionNumber
    '00200037': el('DS', '1', '0', '0', '0', '1', '0'), // ImageOrientationPatient: axial
    '00200052': el('UI', frameOfReferenceUid),
    '00201040': el('LO'), // PositionReferenceIndicator, type 2
    '00280002': el('US', 1), // SamplesPerPixel
    '00280004': el('CS', 'MONOCHROME2'), // PhotometricInterpretation
    '00280010': el('US', o.rows),
    '00280011': el('US', o.columns),
    '00280030': el('DS', ds(o.pixelSpacing), ds(o.pixelSpacing)), // PixelSpacing: between rows, between columns
    '00280100': el('US', 16), // BitsAllocated
    '00280101': el('US', 16), // BitsStored
    '00280102': el('US', 15), // HighBit
    '00280103': el('US', 1), // PixelRepresentation: signed
    '00281050': el('DS', s.window.centre), // WindowCenter
    '00281051': el('DS', s.window.width), // WindowWidth
    '00281052': el('DS', String(RESCALE_INTERCEPT)),
    '00281053': el('DS', '1'), // RescaleSlope
    '00281054': el('LO', 'HU'), // RescaleType
    '00281055': el('LO', s.window.explanation), // WindowCenterWidthExplanation
    '00282110': el('CS', '00'), // LossyImageCompression
  };
  if (kind === 'cta') {
    dict['00180010'] = el('LO', 'Iode 350 mg/mL'); // ContrastBolusAgent
    dict['00181040'] = el('LO', 'IV'); // ContrastBolusRoute
    dict['00181041'] = el('DS', '60'); // ContrastBolusVolume, mL
  }
  return { meta, dict };
}

function el(vr: string, ...values: unknown[]): DicomElement {
  return { vr, Value: values };
}

/** Decimal string: at most 16 characters, no exponent for the values a head scan uses. */
function ds(value: number): string {
  const s = String(round6(value));
  if (s.length > 16) throw new RangeError(`${value} does not fit a DS`);
  return s;
}

function round6(value: number): number {
  const r = Math.round(value * 1e6) / 1e6;
  return r === 0 ? 0 : r;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const da = (d: Date): string => `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}`;
const tm = (d: Date): string => `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;

/** The local offset, as DICOM writes it: +0100, -0500. */
function utcOffset(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
}

function patientAge(birthDate: string, at: Date): string {
  const [y, m, d] = [birthDate.slice(0, 4), birthDate.slice(4, 6), birthDate.slice(6, 8)].map(Number) as [
    number,
    number,
    number,
  ];
  let years = at.getFullYear() - y;
  if (at.getMonth() + 1 < m || (at.getMonth() + 1 === m && at.getDate() < d)) years--;
  return `${pad(Math.min(999, Math.max(0, years)), 3)}Y`;
}

function isInt(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new RangeError(message);
}
