import type { DicomJsonDataset } from 'dcmjs';
import { createHash } from 'node:crypto';
import { pgErrorCode, type Queryable } from '../db/Db';
import { int, str, type ParsedInstance } from './part10';
import { pick, SERIES_LEVEL_TAGS, STUDY_LEVEL_TAGS } from './dicom-json';

export interface ExistingInstance {
  dataset_sha256: string;
  study_uid: string;
  site_id: string;
}

export async function findInstance(q: Queryable, sopInstanceUid: string): Promise<ExistingInstance | null> {
  const { rows } = await q.query<ExistingInstance>(
    `SELECT i.dataset_sha256, st.study_uid, st.site_id
       FROM dicom_instances i
       JOIN dicom_series se ON se.id = i.series_ref
       JOIN dicom_studies st ON st.id = se.study_ref
      WHERE i.sop_instance_uid = $1`,
    [sopInstanceUid],
  );
  return rows[0] ?? null;
}

export interface InsertedInstance {
  studyId: string;
  isNewStudy: boolean;
  modalities: string[];
  description: string | null;
  seriesCount: number;
  instanceCount: number;
  firstReceivedAt: Date;
}

/** Why `insertInstanceTree` refused to file an instance; nothing of it was written. */
export type FilingRefusal = 'STUDY_OF_ANOTHER_SITE' | 'SERIES_OF_ANOTHER_STUDY' | 'INSTANCE_EXISTS';

export class FilingRefused extends Error {
  constructor(readonly refusal: FilingRefusal) {
    super(refusal);
  }
}

/** The error `dicom_ingest_guard()` raises (migration 006). */
const GUARD_SQLSTATE = 'P0D01';

/**
 * A new study's row id, derived from its UID (a name-based UUID, RFC 9562 version 5): two instances of a new study
 * filed at the same moment, each before seeing the other's row, give their series the same study id.
 */
export function studyRowId(studyUid: string): string {
  const hash = createHash('sha1').update(STUDY_ID_NAMESPACE).update(studyUid).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The namespace UUID of study row ids, as its 16 bytes. Fixed: changing it would give known studies new ids. */
const STUDY_ID_NAMESPACE = Buffer.from('5b0c4f0e8a3d4e6f9c1a2b7d3e8f4a61', 'hex');

/**
 * Files one instance under its patient, study and series, creating them as needed, and keeps the counts, in one
 * statement: the study's row lock lasts that statement only. Throws `FilingRefused` when the instance is already
 * stored, or its study or series belongs elsewhere; the statement then leaves no trace.
 */
export async function insertInstanceTree(
  q: Queryable,
  p: ParsedInstance,
  file: { siteId: string; relativePath: string; sizeBytes: number; sha256: string; via: 'stow' | 'cstore'; metadata: DicomJsonDataset },
): Promise<InsertedInstance> {
  const ds = p.dataset;
  const params = [
    /* $1 */ file.siteId,
    /* $2 */ str(ds, '00100020') ?? '',
    /* $3 */ str(ds, '00100010') ?? null,
    /* $4 */ str(ds, '00100030') ?? null,
    /* $5 */ str(ds, '00100040') ?? null,
    /* $6 */ p.studyInstanceUid,
    /* $7 */ studyRowId(p.studyInstanceUid),
    /* $8 */ str(ds, '00080020') ?? null,
    /* $9 */ str(ds, '00080030') ?? null,
    /* $10 */ str(ds, '00080050') ?? null,
    /* $11 */ str(ds, '00200010') ?? null,
    /* $12 */ str(ds, '00081030') ?? null,
    /* $13 */ str(ds, '00080090') ?? null,
    /* $14 */ JSON.stringify(pick(file.metadata, STUDY_LEVEL_TAGS)),
    /* $15 */ str(ds, '00080060') ?? null,
    /* $16 */ p.seriesInstanceUid,
    /* $17 */ int(ds, '00200011') ?? null,
    /* $18 */ str(ds, '0008103E') ?? null,
    /* $19 */ str(ds, '00180015') ?? null,
    /* $20 */ JSON.stringify(pick(file.metadata, SERIES_LEVEL_TAGS)),
    /* $21 */ p.sopInstanceUid,
    /* $22 */ p.sopClassUid,
    /* $23 */ int(ds, '00200013') ?? null,
    /* $24 */ p.transferSyntaxUid,
    /* $25 */ int(ds, '00280010') ?? null,
    /* $26 */ int(ds, '00280011') ?? null,
    /* $27 */ int(ds, '00280008') ?? null,
    /* $28 */ file.sizeBytes,
    /* $29 */ file.sha256,
    /* $30 */ file.relativePath,
    /* $31 */ file.via,
    /* $32 */ JSON.stringify(file.metadata),
  ];
  try {
    const { rows } = await q.query<{
      study_id: string;
      inserted: boolean;
      modalities: string[];
      description: string | null;
      num_series: number;
      num_instances: number;
      first_received_at: Date;
    }>(FILE_INSTANCE_SQL, params);
    const r = rows[0]!;
    return {
      studyId: r.study_id,
      isNewStudy: r.inserted,
      modalities: r.modalities,
      description: r.description,
      seriesCount: r.num_series,
      instanceCount: r.num_instances,
      firstReceivedAt: r.first_received_at,
    };
  } catch (err) {
    if (pgErrorCode(err) === GUARD_SQLSTATE) throw new FilingRefused((err as Error).message as FilingRefusal);
    throw err;
  }
}

// The guard runs on a row that exists even when the study's upsert returned none.
// The series is filed before the study so that the study's counts can include a new series in the same update;
// it names its study by `sid`, the existing row's id or the one a new study will get. Foreign keys are checked at
// the end of the statement, by which time the study row exists or the guard has undone everything.
const FILE_INSTANCE_SQL = `
WITH sid AS (
  SELECT COALESCE((SELECT id FROM dicom_studies WHERE study_uid = $6), $7::uuid) AS id
),
patient AS (
  INSERT INTO dicom_patients (site_id, patient_id, patient_name, birth_date, sex) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (site_id, patient_id) DO UPDATE SET
    patient_name = COALESCE(EXCLUDED.patient_name, dicom_patients.patient_name),
    birth_date = COALESCE(EXCLUDED.birth_date, dicom_patients.birth_date),
    sex = COALESCE(EXCLUDED.sex, dicom_patients.sex)
  RETURNING id
),
series AS (
  INSERT INTO dicom_series (series_uid, study_ref, modality, series_number, description, body_part, attributes, num_instances)
  SELECT $16, sid.id, $15, $17, $18, $19, $20, 1 FROM sid
  ON CONFLICT (series_uid) DO UPDATE SET num_instances = dicom_series.num_instances + 1
  RETURNING study_ref, id, (xmax = 0) AS inserted
),
study AS (
  INSERT INTO dicom_studies (id, study_uid, site_id, patient_ref, study_date, study_time, accession_number, study_id,
      description, referring_physician, attributes, modalities, num_series, num_instances)
  SELECT sid.id, $6, $1, patient.id, $8, $9, $10, $11, $12, $13, $14,
         CASE WHEN $15::text IS NULL THEN '{}'::text[] ELSE ARRAY[$15::text] END, 1, 1
    FROM sid, patient
  ON CONFLICT (study_uid) DO UPDATE SET
    num_instances = dicom_studies.num_instances + 1,
    num_series = dicom_studies.num_series + (SELECT CASE WHEN inserted THEN 1 ELSE 0 END FROM series),
    modalities = CASE WHEN $15::text IS NULL OR $15::text = ANY(dicom_studies.modalities) THEN dicom_studies.modalities
                      ELSE array_append(dicom_studies.modalities, $15::text) END,
    last_received_at = now()
  WHERE dicom_studies.site_id = EXCLUDED.site_id
  RETURNING id, (xmax = 0) AS inserted, modalities, description, num_series, num_instances, first_received_at
),
instance AS (
  INSERT INTO dicom_instances (sop_instance_uid, sop_class_uid, series_ref, instance_number, transfer_syntax_uid,
      rows, columns, number_of_frames, size_bytes, dataset_sha256, file_path, received_via, metadata)
  SELECT $21, $22, series.id, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32 FROM series
  ON CONFLICT (sop_instance_uid) DO NOTHING
  RETURNING id
)
SELECT dicom_ingest_guard(CASE
         WHEN NOT EXISTS (SELECT 1 FROM study) THEN 'STUDY_OF_ANOTHER_SITE'
         WHEN (SELECT study_ref FROM series) <> (SELECT id FROM study) THEN 'SERIES_OF_ANOTHER_STUDY'
         WHEN NOT EXISTS (SELECT 1 FROM instance) THEN 'INSTANCE_EXISTS'
       END) AS filed,
       study.id AS study_id, study.inserted, study.modalities, study.description, study.num_series,
       study.num_instances, study.first_received_at
  FROM (SELECT) AS always_one_row LEFT JOIN study ON true`;
