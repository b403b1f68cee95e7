import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, isDicomUid } from '@telestroke/shared';
import { DEEP_GREY, headSection, ischaemicRegion, m1Landmarks, TISSUE_HU, VENTRICLES } from './phantom';
import {
  CT_IMAGE_STORAGE,
  generateStudy,
  writeStudy,
  type SyntheticInstance,
  type SyntheticStudyOptions,
} from './synthetic';

const execFileAsync = promisify(execFile);

/** The naturalized attributes the tests read. */
interface CtDataset {
  SpecificCharacterSet: string;
  SOPClassUID: string;
  SOPInstanceUID: string;
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  FrameOfReferenceUID: string;
  Modality: string;
  PatientName: unknown;
  PatientID: string;
  AccessionNumber: string;
  InstitutionName: string;
  StudyDescription: string;
  SyntheticData: string;
  ContrastBolusAgent?: string;
  InstanceNumber: number;
  ImagePositionPatient: number[];
  ImageOrientationPatient: number[];
  SliceLocation: number;
  SliceThickness: number;
  PixelSpacing: number[];
  Rows: number;
  Columns: number;
  BitsAllocated: number;
  BitsStored: number;
  HighBit: number;
  PixelRepresentation: number;
  RescaleIntercept: number;
  RescaleSlope: number;
  PixelData: ArrayBuffer[];
}

interface Parsed {
  meta: { MediaStorageSOPClassUID: string; MediaStorageSOPInstanceUID: string; TransferSyntaxUID: string };
  ds: CtDataset;
  /** Rescaled pixel values. */
  hu: Int16Array;
  z: number;
  /** HU of the pixel nearest the patient point (x, y) on this slice. */
  at: (x: number, y: number) => number;
  /** Highest and mean HU over the 3 × 3 pixels around the patient point (x, y). */
  around: (x: number, y: number) => { max: number; mean: number };
}

function parse(bytes: Buffer): Parsed {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const file = dcmjs.data.DicomMessage.readFile(buffer);
  const meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.meta) as unknown as Parsed['meta'];
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.dict) as unknown as CtDataset;
  const stored = new Int16Array(ds.PixelData[0]!);
  const hu = stored.map((v) => v * ds.RescaleSlope + ds.RescaleIntercept);
  const [x0, y0, z] = ds.ImagePositionPatient as [number, number, number];
  const [rowSpacing, columnSpacing] = ds.PixelSpacing as [number, number];
  const index = (x: number, y: number, dr = 0, dc = 0): number => {
    const r = Math.round((y - y0) / rowSpacing) + dr;
    const c = Math.round((x - x0) / columnSpacing) + dc;
    if (r < 0 || c < 0 || r >= ds.Rows || c >= ds.Columns) throw new RangeError(`(${x}, ${y}) is off the image`);
    return r * ds.Columns + c;
  };
  return {
    meta,
    ds,
    hu,
    z,
    at: (x, y) => hu[index(x, y)]!,
    around: (x, y) => {
      const values = [-1, 0, 1].flatMap((dr) => [-1, 0, 1].map((dc) => hu[index(x, y, dr, dc)]!));
      return { max: Math.max(...values), mean: values.reduce((a, b) => a + b, 0) / values.length };
    },
  };
}

/** The parsed slice whose centre is nearest height z. */
function sliceNearest(options: SyntheticStudyOptions, z: number, series: 'ct' | 'cta' = 'ct'): Parsed {
  let best: Parsed | undefined;
  for (const instance of generateStudy(options)) {
    if (instance.series !== series) continue;
    const p = parse(instance.bytes);
    if (!best || Math.abs(p.z - z) < Math.abs(best.z - z)) best = p;
  }
  if (!best) throw new Error(`no ${series} slice`);
  return best;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

describe('generateStudy()', () => {
  it('generateStudy() for a small CT yields files that dcmjs parses back with the same UIDs and geometry', () => {
    const instances = [...generateStudy({ rows: 64, columns: 64, slices: 10, accessionNumber: 'ACC1' })];
    expect(instances).toHaveLength(10);
    const spacing = 150 / 10;
    const pixelSpacing = 230 / 64;
    instances.forEach((instance, k) => {
      const { meta, ds, z } = parse(instance.bytes);
      expect(meta.MediaStorageSOPClassUID).toBe(CT_IMAGE_STORAGE);
      expect(meta.MediaStorageSOPInstanceUID).toBe(instance.sopInstanceUid);
      expect(meta.TransferSyntaxUID).toBe(EXPLICIT_VR_LITTLE_ENDIAN);
      expect(ds.SOPClassUID).toBe(CT_IMAGE_STORAGE);
      expect(ds.SOPInstanceUID).toBe(instance.sopInstanceUid);
      expect(ds.SeriesInstanceUID).toBe(instance.seriesInstanceUid);
      expect(ds.StudyInstanceUID).toBe(instance.studyInstanceUid);
      expect(ds.Modality).toBe('CT');
      expect(ds.SyntheticData).toBe('YES');
      expect(ds.AccessionNumber).toBe('ACC1');
      expect(ds.PatientID).toMatch(/^SYN-\d{6}$/);
      expect(String(ds.PatientName)).toMatch(/^SYNTHETIQUE\^PATIENT\^\d+$/);
      expect(ds.StudyDescription).toBe('Scanner cérébral sans injection (synthétique)');
      expect(ds.InstanceNumber).toBe(k + 1);
      expect(instance.instanceNumber).toBe(k + 1);
      expect([ds.Rows, ds.Columns]).toEqual([64, 64]);
      expect([ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation]).toEqual([16, 16, 15, 1]);
      expect([ds.RescaleSlope, ds.RescaleIntercept]).toEqual([1, -1024]);
      expect(ds.PixelData[0]!.byteLength).toBe(64 * 64 * 2);
      expect(ds.ImageOrientationPatient).toEqual([1, 0, 0, 0, 1, 0]);
      expect(ds.PixelSpacing).toEqual([pixelSpacing, pixelSpacing]);
      expect(ds.SliceThickness).toBe(spacing);
      expect(ds.ImagePositionPatient[0]).toBeCloseTo((-63 / 2) * pixelSpacing, 5);
      expect(ds.ImagePositionPatient[1]).toBeCloseTo((-63 / 2) * pixelSpacing, 5);
      expect(z).toBeCloseTo((k - 4.5) * spacing, 5);
      expect(ds.SliceLocation).toBe(z);
    });
  });

  it('generateStudy() writes a file meta group whose length covers exactly the group 0002 elements', () => {
    const [instance] = [...generateStudy({ rows: 16, columns: 16, slices: 1 })];
    const bytes = instance!.bytes;
    expect(bytes.subarray(0, 128).every((b) => b === 0)).toBe(true);
    expect(bytes.toString('latin1', 128, 132)).toBe('DICM');
    const firstTag = [bytes.readUInt16LE(132), bytes.readUInt16LE(134), bytes.toString('latin1', 136, 138)];
    expect(firstTag).toEqual([2, 0, 'UL']);
    const groupLength = bytes.readUInt32LE(140);
    let offset = 144;
    while (bytes.readUInt16LE(offset) === 2) {
      const vr = bytes.toString('latin1', offset + 4, offset + 6);
      const long = ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr);
      offset += long ? 12 + bytes.readUInt32LE(offset + 8) : 8 + bytes.readUInt16LE(offset + 6);
    }
    expect(offset - 144).toBe(groupLength);
    expect(bytes.readUInt16LE(offset)).toBe(0x0008);
  });

  it('generateStudy() CT files are accepted by dcmtk\'s dcmdump with no errors', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'synthetic-dcmdump-'));
    try {
      const explicit = await writeStudy(path.join(dir, 'explicit'), {
        kind: 'ct+cta',
        rows: 64,
        columns: 64,
        slices: 3,
      });
      const implicit = await writeStudy(path.join(dir, 'implicit'), {
        rows: 64,
        columns: 64,
        slices: 2,
        transferSyntaxUid: IMPLICIT_VR_LITTLE_ENDIAN,
      });
      for (const [study, syntax] of [
        [explicit, '=LittleEndianExplicit'],
        [implicit, '=LittleEndianImplicit'],
      ] as const) {
        const { stdout, stderr } = await dcmdump(study.files.map((f) => f.path));
        expect(stderr).toBe('');
        expect(stdout.match(/\(0002,0002\) UI =CTImageStorage/g)).toHaveLength(study.files.length);
        expect(stdout.match(new RegExp(`\\(0002,0010\\) UI ${syntax}`, 'g'))).toHaveLength(study.files.length);
        expect(stdout).toContain('(0008,0080) LO [CH Mâcon]');
        for (const f of study.files) expect(stdout).toContain(`(0008,0018) UI [${f.sopInstanceUid}]`);
      }
      expect((await dcmdump(explicit.files.map((f) => f.path))).stdout).toContain('(0018,0010) LO [Iode 350 mg/mL]');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('generateStudy() CT pixel data has skull, brain and air at the expected HU', () => {
    const options = { rows: 128, columns: 128, slices: 30, seed: 3 };
    const mid = sliceNearest(options, 0);
    const air = mean([...mid.hu.subarray(0, 128 * 4)]);
    expect(air).toBeGreaterThan(-1003);
    expect(air).toBeLessThan(-997);
    const { outerTable, innerTable } = headSection(mid.z);
    for (const x of [-1, 1].map((s) => (s * (outerTable[0] + innerTable[0])) / 2)) {
      expect(Math.abs(mid.at(x, 0) - TISSUE_HU.bone)).toBeLessThan(15);
    }
    const frontalBone = -(outerTable[1] + innerTable[1]) / 2;
    expect(Math.abs(mid.at(0, frontalBone) - TISSUE_HU.bone)).toBeLessThan(15);
    // Frontal white matter on both sides, clear of the lesion, the caudate and the ventricles.
    for (const x of [-25, 25]) expect(Math.abs(mid.around(x, -35).mean - TISSUE_HU.white)).toBeLessThan(4);
    const thalamus = DEEP_GREY.find((e) => e.centre[1] > 0 && e.centre[0] < 0)!;
    const deep = sliceNearest(options, thalamus.centre[2]);
    expect(Math.abs(deep.around(thalamus.centre[0], thalamus.centre[1]).mean - TISSUE_HU.deepGrey)).toBeLessThan(4);
    const ventricle = VENTRICLES[1]!;
    const csf = sliceNearest(options, ventricle.centre[2]);
    const ventricleHu = csf.around(ventricle.centre[0], ventricle.centre[1]).mean;
    expect(Math.abs(ventricleHu - TISSUE_HU.ventricularCsf)).toBeLessThan(4);
  });

  it('generateStudy() with noise 0 renders the cortex at grey-matter HU and the centrum at white-matter HU', () => {
    const slice = sliceNearest({ rows: 256, columns: 256, slices: 30, noiseHu: 0, strokeSide: 'right' }, 30);
    const values = new Set(slice.hu);
    expect(values.has(TISSUE_HU.grey)).toBe(true);
    expect(values.has(TISSUE_HU.white)).toBe(true);
    expect(slice.at(30, 0)).toBe(TISSUE_HU.white);
    // Just under the inner table, on the side without a lesion, lies cortex or a sulcus.
    const a = headSection(slice.z).innerTable[0];
    expect([TISSUE_HU.grey, TISSUE_HU.sulcalCsf]).toContain(slice.at(a - 2.5, 0));
  });

  for (const strokeSide of ['left', 'right'] as const) {
    it(`generateStudy() hypodense region is below normal parenchyma by 8–20 HU (${strokeSide} MCA)`, () => {
      const region = ischaemicRegion(strokeSide);
      const options = { rows: 128, columns: 128, slices: 30, strokeSide };
      const clean = sliceNearest({ ...options, noiseHu: 0 }, region.centre[2]);
      const noisy = sliceNearest(options, region.centre[2]);
      const { Rows: rows, Columns: columns } = clean.ds;
      // The phantom is symmetric apart from the lesion, and the pixel grid is centred, so column c mirrors columns-1-c.
      const strokeOnRight = strokeSide === 'left'; // +x, the patient's left, is on the image's right.
      const lesion: number[] = [];
      const mirror: number[] = [];
      let brighterOnStrokeSide = 0;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < columns / 2; c++) {
          const i = r * columns + (strokeOnRight ? columns - 1 - c : c);
          const j = r * columns + (strokeOnRight ? c : columns - 1 - c);
          const drop = clean.hu[j]! - clean.hu[i]!;
          if (drop < 0) brighterOnStrokeSide++;
          expect(drop).toBeLessThanOrEqual(20);
          if (drop >= 8) {
            lesion.push(i);
            mirror.push(j);
          }
        }
      }
      expect(brighterOnStrokeSide).toBe(0);
      expect(lesion.length).toBeGreaterThan(100);
      // The core sits at 20–24 HU; grey matter at the fading edge can still drop 8 HU from higher up.
      for (const i of lesion) {
        expect(clean.hu[i]).toBeGreaterThanOrEqual(20);
        expect(clean.hu[i]).toBeLessThanOrEqual(30);
      }
      const lesionMean = mean(lesion.map((i) => clean.hu[i]!));
      expect(lesionMean).toBeGreaterThanOrEqual(20);
      expect(lesionMean).toBeLessThanOrEqual(24);
      const difference = mean(mirror.map((j) => noisy.hu[j]!)) - mean(lesion.map((i) => noisy.hu[i]!));
      expect(difference).toBeGreaterThanOrEqual(8);
      expect(difference).toBeLessThanOrEqual(20);
      // The lesion is in the stroke side's MCA territory, lateral of the basal ganglia.
      const lateral = mean(lesion.map((i) => Math.abs((i % columns) - (columns - 1) / 2))) * (230 / columns);
      expect(lateral).toBeGreaterThan(25);
    });
  }

  it('generateStudy() CTA opacifies both M1 segments and stops the stroke side one abruptly', () => {
    const options = { kind: 'cta' as const, rows: 128, columns: 128, slices: 10, strokeSide: 'left' as const };
    const m1 = m1Landmarks('left');
    const slice = sliceNearest(options, m1.occluded.origin[2], 'cta');
    expect(Math.abs(slice.z - m1.occluded.origin[2])).toBeLessThan(1);
    expect(slice.ds.ContrastBolusAgent).toBe('Iode 350 mg/mL');
    const along = (a: readonly number[], b: readonly number[], t: number): [number, number] => [
      a[0]! + (b[0]! - a[0]!) * t,
      a[1]! + (b[1]! - a[1]!) * t,
    ];
    for (const t of [0.1, 0.3, 0.5, 0.7, 0.9]) {
      const { max } = slice.around(...along(m1.patent.origin, m1.patent.end, t));
      expect(max).toBeGreaterThanOrEqual(250);
      expect(max).toBeLessThanOrEqual(420);
    }
    const { origin, end } = m1.occluded;
    for (const t of [0.1, 0.25, 0.4]) expect(slice.around(...along(origin, end, t)).max).toBeGreaterThanOrEqual(250);
    for (const t of [0.7, 0.8, 0.9, 1]) expect(slice.around(...along(origin, end, t)).max).toBeLessThan(100);
    expect(origin[0]).toBeGreaterThan(0);
  });

  it('generateStudy() non-contrast CT shows the thrombus in the occluded M1 only (hyperdense MCA sign)', () => {
    const m1 = m1Landmarks('right');
    const slice = sliceNearest({ rows: 128, columns: 128, slices: 10, noiseHu: 0, strokeSide: 'right' }, -22);
    const { occlusion, end } = m1.occluded;
    const clot = slice.around(occlusion[0] + (end[0] - occlusion[0]) * 0.2, occlusion[1]);
    expect(clot.max).toBe(TISSUE_HU.thrombus);
    expect(slice.around(-occlusion[0] - (end[0] - occlusion[0]) * 0.2, occlusion[1]).max).toBeLessThan(50);
  });

  it('generateStudy() with implicit VR writes that transfer syntax and the same data set as explicit VR', () => {
    const common = { rows: 32, columns: 32, slices: 3, seed: 9, patientNumber: 7, accessionNumber: 'A7' };
    const studyDateTime = new Date('2025-03-04T05:06:07');
    const read = (options: SyntheticStudyOptions): Parsed[] => [...generateStudy(options)].map((i) => parse(i.bytes));
    const explicit = read({ ...common, studyDateTime });
    const implicit = read({ ...common, studyDateTime, transferSyntaxUid: IMPLICIT_VR_LITTLE_ENDIAN });
    expect(implicit.map((p) => p.meta.TransferSyntaxUID)).toEqual(Array(3).fill(IMPLICIT_VR_LITTLE_ENDIAN));
    const uidFree = (p: Parsed): Record<string, unknown> => {
      const copy: Record<string, unknown> = { ...p.ds };
      for (const key of ['SOPInstanceUID', 'SeriesInstanceUID', 'StudyInstanceUID', 'FrameOfReferenceUID']) {
        delete copy[key];
      }
      delete copy.PixelData;
      return JSON.parse(JSON.stringify(copy)) as Record<string, unknown>;
    };
    implicit.forEach((p, k) => {
      expect(uidFree(p)).toEqual(uidFree(explicit[k]!));
      expect(p.hu).toEqual(explicit[k]!.hu);
      expect(String(p.ds.PatientName)).toBe('SYNTHETIQUE^PATIENT^7');
    });
  });

  it('generateStudy() for ct+cta gives valid 2.25 UIDs, unique per instance, shared by series and study', () => {
    const instances = [...generateStudy({ kind: 'ct+cta', rows: 16, columns: 16, slices: 5 })];
    expect(instances.map((i) => i.series)).toEqual([...Array(5).fill('ct'), ...Array(5).fill('cta')]);
    const parsed = instances.map((i) => parse(i.bytes));
    const uids = instances.flatMap((i) => [i.sopInstanceUid, i.seriesInstanceUid, i.studyInstanceUid]);
    uids.push(...parsed.map((p) => p.ds.FrameOfReferenceUID));
    for (const uid of uids) {
      expect(uid).toMatch(/^2\.25\.[1-9]\d*$/);
      expect(uid.length).toBeLessThanOrEqual(64);
      expect(isDicomUid(uid)).toBe(true);
    }
    expect(new Set(instances.map((i) => i.sopInstanceUid)).size).toBe(10);
    expect(new Set(instances.map((i) => i.seriesInstanceUid)).size).toBe(2);
    expect(new Set(instances.map((i) => i.studyInstanceUid)).size).toBe(1);
    expect(new Set(parsed.map((p) => p.ds.FrameOfReferenceUID)).size).toBe(1);
    const descriptions = new Set(parsed.map((p) => p.ds.StudyDescription));
    expect([...descriptions]).toEqual(['Scanner cérébral sans et avec injection (synthétique)']);
    const other = [...generateStudy({ rows: 16, columns: 16, slices: 1 })][0]!;
    expect(other.studyInstanceUid).not.toBe(instances[0]!.studyInstanceUid);
  });

  it('generateStudy() with the same seed gives the same pixels and new UIDs; another seed other pixels', () => {
    const pixels = (seed: number): Int16Array[] =>
      [...generateStudy({ rows: 32, columns: 32, slices: 2, seed })].map((i: SyntheticInstance) => parse(i.bytes).hu);
    expect(pixels(5)).toEqual(pixels(5));
    expect(pixels(5)).not.toEqual(pixels(6));
  });

  it('generateStudy() with a study UID and accented names joins that study and keeps the accents in UTF-8', () => {
    const studyInstanceUid = '2.25.123456789';
    const [instance] = [
      ...generateStudy({
        rows: 16,
        columns: 16,
        slices: 1,
        studyInstanceUid,
        patientName: 'SYNTHÉTIQUE^Hélène',
        institutionName: 'CHU Dijon Bourgogne – Neurologie',
      }),
    ];
    const { ds } = parse(instance!.bytes);
    expect(ds.StudyInstanceUID).toBe(studyInstanceUid);
    expect(ds.SpecificCharacterSet).toBe('ISO_IR 192');
    expect(String(ds.PatientName)).toBe('SYNTHÉTIQUE^Hélène');
    expect(ds.InstitutionName).toBe('CHU Dijon Bourgogne – Neurologie');
    expect(instance!.bytes.includes(Buffer.from('SYNTHÉTIQUE^Hélène', 'utf8'))).toBe(true);
  });

  it('generateStudy() with invalid options throws RangeError on the call, before any file', () => {
    expect(() => generateStudy({ rows: 8 })).toThrow(RangeError);
    expect(() => generateStudy({ slices: 0 })).toThrow(RangeError);
    expect(() => generateStudy({ accessionNumber: 'X'.repeat(17) })).toThrow(RangeError);
    expect(() => generateStudy({ studyInstanceUid: '1.2.03' })).toThrow(RangeError);
    expect(() => generateStudy({ transferSyntaxUid: '1.2.840.10008.1.2.2' as never })).toThrow(RangeError);
  });
});

describe('writeStudy()', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'synthetic-write-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writeStudy() writes 1.dcm… N.dcm and returns their paths, sizes and UIDs', async () => {
    const study = await writeStudy(path.join(dir, 'study'), {
      kind: 'ct+cta',
      rows: 32,
      columns: 32,
      slices: 3,
      patientId: 'SYN-000123',
    });
    expect(study.patientId).toBe('SYN-000123');
    expect(study.files.map((f) => path.basename(f.path))).toEqual([1, 2, 3, 4, 5, 6].map((n) => `${n}.dcm`));
    expect(study.series.map((s) => [s.series, s.instances])).toEqual([
      ['ct', 3],
      ['cta', 3],
    ]);
    let total = 0;
    for (const f of study.files) {
      expect((await stat(f.path)).size).toBe(f.size);
      total += f.size;
      const { ds } = parse(await readFile(f.path));
      expect(ds.SOPInstanceUID).toBe(f.sopInstanceUid);
      expect(ds.SeriesInstanceUID).toBe(f.seriesInstanceUid);
      expect(ds.StudyInstanceUID).toBe(study.studyInstanceUid);
      expect(ds.PatientID).toBe('SYN-000123');
    }
    expect(study.totalBytes).toBe(total);
  });
});

/** Runs Debian dcmtk's dcmdump, which stops with a non-zero exit on a damaged file and logs warnings to stderr. */
async function dcmdump(files: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync('dcmdump', ['--log-level', 'warn', '--stop-on-error', ...files], {
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('dcmdump is not installed: install the Debian package dcmtk (npm test installs it)');
    }
    const { code, stderr } = error as { code?: number; stderr?: string };
    throw new Error(`dcmdump rejected the files (exit ${code}): ${stderr}`);
  }
}
