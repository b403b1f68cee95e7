import { createHash } from 'node:crypto';
import { pgErrorCode, type Queryable, type Statement } from '../db/Db';
import type { FilingRecord } from './prepare';

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
  r: FilingRecord,
  file: { siteId: string; relativePath: string; sha256: string; via: 'stow' | 'cstore' },
): Promise<InsertedInstance> {
  const params = [
    /* $1 */ file.siteId,
    /* $2 */ r.patientId,
    /* $3 */ r.patientName,
    /* $4 */ r.birthDate,
    /* $5 */ r.sex,
    /* $6 */ r.studyInstanceUid,
    /* $7 */ studyRowId(r.studyInstanceUid),
    /* $8 */ r.studyDate,
    /* $9 */ r.studyTime,
    /* $10 */ r.accessionNumber,
    /* $11 */ r.studyId,
    /* $12 */ r.studyDescription,
    /* $13 */ r.referringPhysician,
    /* $14 */ r.studyAttributes,
    /* $15 */ r.modality,
    /* $16 */ r.seriesInstanceUid,
    /* $17 */ r.seriesNumber,
    /* $18 */ r.seriesDescription,
    /* $19 */ r.bodyPart,
    /* $20 */ r.seriesAttributes,
    /* $21 */ r.sopInstanceUid,
    /* $22 */ r.sopClassUid,
    /* $23 */ r.instanceNumber,
    /* $24 */ r.transferSyntaxUid,
    /* $25 */ r.rows,
    /* $26 */ r.columns,
    /* $27 */ r.frames,
    /* $28 */ r.sizeBytes,
    /* $29 */ file.sha256,
    /* $30 */ file.relativePath,
    /* $31 */ file.via,
    /* $32 */ r.metadata,
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
    }>(FILE_INSTANCE, params);
    const row = rows[0]!;
    return {
      studyId: row.study_id,
      isNewStudy: row.inserted,
      modalities: row.modalities,
      description: row.description,
      seriesCount: row.num_series,
      instanceCount: row.num_instances,
      firstReceivedAt: row.first_received_at,
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
const FILE_INSTANCE: Statement = {
  // Prepared once per connection: planning this statement costs more than running it.
  name: 'dicom_file_instance',
  text: `
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
  FROM (SELECT) AS always_one_row LEFT JOIN study ON true`,
};
