/**
 * What to generate: a non-contrast head CT, a CT angiography, or both as two series of one study (the usual stroke
 * work-up a remote centre sends).
 */
export type SyntheticStudyKind = 'ct' | 'cta' | 'ct+cta';

export type Side = 'left' | 'right';

export interface SyntheticStudyOptions {
  /** Default 'ct'. */
  kind?: SyntheticStudyKind;
  /** Slices per series. Default 300. */
  slices?: number;
  /** Default 512. */
  rows?: number;
  /** Default 512. */
  columns?: number;
  /**
   * In-plane pixel spacing in mm. Default 230 / columns (a 230 mm field of view, 0.449 mm at 512), so small test
   * matrices still hold the whole head.
   */
  pixelSpacing?: number;
  /**
   * Distance between slice centres in mm, also written as SliceThickness. Default 150 / slices (150 mm from skull
   * base to vertex, 0.5 mm at 300 slices).
   */
  sliceSpacing?: number;
  /** Seed of the pixel noise; the same seed gives the same pixels. Default 1. */
  seed?: number;
  /** Standard deviation of the Gaussian pixel noise in HU. Default 3. */
  noiseHu?: number;
  /** Hemisphere with early ischaemia in the MCA territory, and the occluded M1 on CTA. Default 'left'. */
  strokeSide?: Side;
  /** Default 1.2.840.10008.1.2.1 (explicit VR little endian); 1.2.840.10008.1.2 is implicit VR little endian. */
  transferSyntaxUid?: '1.2.840.10008.1.2.1' | '1.2.840.10008.1.2';
  /** Numbers the synthetic patient in PatientName and PatientID. Default a random number from 1 to 999999. */
  patientNumber?: number;
  /** Default `SYNTHETIQUE^PATIENT^<patientNumber>`. */
  patientName?: string;
  /** Default `SYN-<patientNumber on 6 digits>`. */
  patientId?: string;
  /** DICOM date YYYYMMDD. Default '19480517'. */
  patientBirthDate?: string;
  /** Default 'F'. */
  patientSex?: 'F' | 'M' | 'O';
  /** Study date and time, written in the local time of the process. Default now. */
  studyDateTime?: Date;
  /** At most 16 characters. Default `SYN` followed by 8 random digits. */
  accessionNumber?: string;
  /** Default 'CH Mâcon'. */
  institutionName?: string;
  /** At most 16 characters. Default 'SCANNER-URG'. */
  stationName?: string;
  /** Joins the generated series to an existing study. Default a new random 2.25 UID. */
  studyInstanceUid?: string;
}

export interface SyntheticInstance {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  sopClassUid: string;
  /** Which series the instance belongs to. */
  series: 'ct' | 'cta';
  /** InstanceNumber, from 1 at the lowest (most inferior) slice of its series. */
  instanceNumber: number;
  /** The whole Part-10 file: preamble, file meta information and data set. */
  bytes: Buffer;
}

export interface WrittenInstance extends Omit<SyntheticInstance, 'bytes'> {
  path: string;
  size: number;
}

export interface WrittenStudy {
  studyInstanceUid: string;
  patientId: string;
  accessionNumber: string;
  series: Array<{ series: 'ct' | 'cta'; seriesInstanceUid: string; instances: number }>;
  files: WrittenInstance[];
  totalBytes: number;
}
