import type { DicomJsonDataset } from 'dcmjs';
import type { Queryable } from '../db/Db';
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

export async function findStudySite(q: Queryable, studyUid: string): Promise<string | null> {
  const { rows } = await q.query<{ site_id: string }>('SELECT site_id FROM dicom_studies WHERE study_uid = $1', [studyUid]);
  return rows[0]?.site_id ?? null;
}

export interface InsertedInstance {
  studyId: string;
  studySiteId: string;
  seriesStudyId: string;
  isNewStudy: boolean;
  modalities: string[];
  description: string | null;
  seriesCount: number;
  instanceCount: number;
  firstReceivedAt: Date;
}

/**
 * Files one instance under its patient, study and series, creating them as needed, and keeps the counts.
 * Runs inside the caller's transaction; the row locks of the upserts serialise instances of one study.
 * Throws the database's unique violation when the SOP Instance UID is already stored.
 */
export async function insertInstanceTree(
  tx: Queryable,
  p: ParsedInstance,
  file: { siteId: string; relativePath: string; sizeBytes: number; sha256: string; via: 'stow' | 'cstore'; metadata: DicomJsonDataset },
): Promise<InsertedInstance> {
  const ds = p.dataset;
  const patient = await tx.query<{ id: string }>(
    `INSERT INTO dicom_patients (site_id, patient_id, patient_name, birth_date, sex) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (site_id, patient_id) DO UPDATE SET
       patient_name = COALESCE(EXCLUDED.patient_name, dicom_patients.patient_name),
       birth_date = COALESCE(EXCLUDED.birth_date, dicom_patients.birth_date),
       sex = COALESCE(EXCLUDED.sex, dicom_patients.sex)
     RETURNING id`,
    [file.siteId, str(ds, '00100020') ?? '', str(ds, '00100010') ?? null, str(ds, '00100030') ?? null, str(ds, '00100040') ?? null],
  );
  const study = await tx.query<{ id: string; site_id: string; inserted: boolean }>(
    `INSERT INTO dicom_studies (study_uid, site_id, patient_ref, study_date, study_time, accession_number, study_id,
        description, referring_physician, attributes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (study_uid) DO UPDATE SET last_received_at = now()
     RETURNING id, site_id, (xmax = 0) AS inserted`,
    [
      p.studyInstanceUid,
      file.siteId,
      patient.rows[0]!.id,
      str(ds, '00080020') ?? null,
      str(ds, '00080030') ?? null,
      str(ds, '00080050') ?? null,
      str(ds, '00200010') ?? null,
      str(ds, '00081030') ?? null,
      str(ds, '00080090') ?? null,
      JSON.stringify(pick(file.metadata, STUDY_LEVEL_TAGS)),
    ],
  );
  const studyRow = study.rows[0]!;
  const modality = str(ds, '00080060') ?? null;
  const series = await tx.query<{ id: string; study_ref: string; inserted: boolean }>(
    `INSERT INTO dicom_series (series_uid, study_ref, modality, series_number, description, body_part, attributes)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (series_uid) DO UPDATE SET num_instances = dicom_series.num_instances
     RETURNING id, study_ref, (xmax = 0) AS inserted`,
    [
      p.seriesInstanceUid,
      studyRow.id,
      modality,
      int(ds, '00200011') ?? null,
      str(ds, '0008103E') ?? null,
      str(ds, '00180015') ?? null,
      JSON.stringify(pick(file.metadata, SERIES_LEVEL_TAGS)),
    ],
  );
  const seriesRow = series.rows[0]!;
  await tx.query(
    `INSERT INTO dicom_instances (sop_instance_uid, sop_class_uid, series_ref, instance_number, transfer_syntax_uid,
        rows, columns, number_of_frames, size_bytes, dataset_sha256, file_path, received_via, metadata)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      p.sopInstanceUid,
      p.sopClassUid,
      seriesRow.id,
      int(ds, '00200013') ?? null,
      p.transferSyntaxUid,
      int(ds, '00280010') ?? null,
      int(ds, '00280011') ?? null,
      int(ds, '00280008') ?? null,
      file.sizeBytes,
      file.sha256,
      file.relativePath,
      file.via,
      JSON.stringify(file.metadata),
    ],
  );
  await tx.query('UPDATE dicom_series SET num_instances = num_instances + 1 WHERE id = $1', [seriesRow.id]);
  const updated = await tx.query<{
    modalities: string[];
    description: string | null;
    num_series: number;
    num_instances: number;
    first_received_at: Date;
  }>(
    `UPDATE dicom_studies SET
        num_instances = num_instances + 1,
        num_series = num_series + $2::int,
        modalities = CASE WHEN $3::text IS NULL OR $3::text = ANY(modalities) THEN modalities
                          ELSE array_append(modalities, $3::text) END,
        last_received_at = now()
      WHERE id = $1
      RETURNING modalities, description, num_series, num_instances, first_received_at`,
    [studyRow.id, seriesRow.inserted ? 1 : 0, modality],
  );
  const u = updated.rows[0]!;
  return {
    studyId: studyRow.id,
    studySiteId: studyRow.site_id,
    seriesStudyId: seriesRow.study_ref,
    isNewStudy: studyRow.inserted,
    modalities: u.modalities,
    description: u.description,
    seriesCount: u.num_series,
    instanceCount: u.num_instances,
    firstReceivedAt: u.first_received_at,
  };
}
