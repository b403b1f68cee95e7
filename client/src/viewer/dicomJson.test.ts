import { describe, expect, it } from 'vitest';
import { formatDicomDate, formatDicomTime, sliceInfo, studyHeader, type DicomJsonDataset } from './dicomJson';

const ds: DicomJsonDataset = {
  '00080018': { vr: 'UI', Value: ['1.2.3.4'] },
  '0020000E': { vr: 'UI', Value: ['1.2.3'] },
  '00200013': { vr: 'IS', Value: [7] },
  '00200032': { vr: 'DS', Value: [-115, '-115', 12.5] },
  '00200037': { vr: 'DS', Value: [1, 0, 0, 0, 1, 0] },
  '00280010': { vr: 'US', Value: [512] },
  '00280011': { vr: 'US', Value: [256] },
  '00280030': { vr: 'DS', Value: [0.45, 0.5] },
  '00281052': { vr: 'DS', Value: [-1024] },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'SYNTHETIQUE^PATIENT^42' }] },
  '00080020': { vr: 'DA', Value: ['20250131'] },
  '00080030': { vr: 'TM', Value: ['093012.5'] },
};

describe('DICOM JSON', () => {
  it('sliceInfo() reads geometry and rescale, with slope 1 when absent', () => {
    const s = sliceInfo(ds)!;
    expect(s.position).toEqual([-115, -115, 12.5]);
    expect(s.pixelSpacing).toEqual([0.45, 0.5]);
    expect([s.rows, s.columns, s.instanceNumber]).toEqual([512, 256, 7]);
    expect([s.slope, s.intercept]).toEqual([1, -1024]);
    expect(s.windowWidth).toBeUndefined();
  });

  it('sliceInfo() of an instance without Rows is null (not an image)', () => {
    const { '00280010': _rows, ...noRows } = ds;
    expect(sliceInfo(noRows)).toBeNull();
  });

  it('studyHeader() gives the patient name with its components spaced, dates formatted for display', () => {
    const h = studyHeader(ds);
    expect(h.patientName).toBe('SYNTHETIQUE PATIENT 42');
    expect(formatDicomDate(h.studyDate)).toBe('31/01/2025');
    expect(formatDicomTime(h.studyTime)).toBe('09:30');
  });
});
