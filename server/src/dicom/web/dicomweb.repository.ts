import type { Queryable } from '../../db/Db';

/** What a WADO request names: a study, optionally one of its series, optionally one of its instances. */
export interface WadoScope {
  studyUid: string;
  seriesUid?: string;
  sopInstanceUid?: string;
}

export interface StoredInstanceRow {
  site_id: string;
  study_uid: string;
  series_uid: string;
  sop_instance_uid: string;
  sop_class_uid: string;
  transfer_syntax_uid: string;
  file_path: string;
  size_bytes: number;
  number_of_frames: number | null;
  rows: number | null;
}

export interface MetadataRow {
  site_id: string;
  series_uid: string;
  sop_instance_uid: string;
  transfer_syntax_uid: string;
  number_of_frames: number | null;
  rows: number | null;
  bits_allocated: string | null;
  /** The instance's DICOM JSON as PostgreSQL prints it: passed through, never parsed. */
  metadata: string;
}

/** WHERE clause of a scope, restricted to the sites the caller may see. Values are parameters only. */
function scopeWhere(scope: WadoScope, siteIds: readonly string[]): { where: string; params: unknown[] } {
  const params: unknown[] = [scope.studyUid, siteIds];
  let where = 'st.study_uid = $1 AND st.site_id = ANY($2::uuid[])';
  if (scope.seriesUid !== undefined) {
    params.push(scope.seriesUid);
    where += ` AND se.series_uid = $${params.length}`;
  }
  if (scope.sopInstanceUid !== undefined) {
    params.push(scope.sopInstanceUid);
    where += ` AND i.sop_instance_uid = $${params.length}`;
  }
  return { where, params };
}

const ORDER = 'ORDER BY se.series_number NULLS LAST, se.series_uid, i.instance_number NULLS LAST, i.sop_instance_uid';

/**
 * The stored files of a scope, in series then instance order. Empty when the scope does not exist or lies
 * outside `siteIds`: the caller cannot tell the two apart.
 */
export async function listStoredInstances(q: Queryable, scope: WadoScope, siteIds: readonly string[]): Promise<StoredInstanceRow[]> {
  const { where, params } = scopeWhere(scope, siteIds);
  const { rows } = await q.query<StoredInstanceRow>(
    `SELECT st.site_id, st.study_uid, se.series_uid, i.sop_instance_uid, i.sop_class_uid, i.transfer_syntax_uid,
            i.file_path, i.size_bytes, i.number_of_frames, i.rows
       FROM dicom_studies st
       JOIN dicom_series se ON se.study_ref = st.id
       JOIN dicom_instances i ON i.series_ref = se.id
      WHERE ${where}
      ${ORDER}`,
    params,
  );
  return rows.map((r) => ({ ...r, size_bytes: Number(r.size_bytes) }));
}

/** One query for the metadata of a whole scope; the JSON comes back as text, ready to be sent. */
export async function listInstanceMetadata(q: Queryable, scope: WadoScope, siteIds: readonly string[]): Promise<MetadataRow[]> {
  const { where, params } = scopeWhere(scope, siteIds);
  const { rows } = await q.query<MetadataRow>(
    `SELECT st.site_id, se.series_uid, i.sop_instance_uid, i.transfer_syntax_uid, i.number_of_frames, i.rows,
            i.metadata -> '00280100' -> 'Value' ->> 0 AS bits_allocated, i.metadata::text AS metadata
       FROM dicom_studies st
       JOIN dicom_series se ON se.study_ref = st.id
       JOIN dicom_instances i ON i.series_ref = se.id
      WHERE ${where}
      ${ORDER}`,
    params,
  );
  return rows;
}

/**
 * Whether a study (and, when given, its series) exists within `siteIds`. Asked only when a search in that scope
 * found nothing, to tell an empty answer from a missing or invisible study.
 */
export async function scopeIsVisible(
  q: Queryable,
  scope: { studyUid: string; seriesUid?: string },
  siteIds: readonly string[],
): Promise<boolean> {
  const { rows } =
    scope.seriesUid === undefined
      ? await q.query('SELECT 1 FROM dicom_studies st WHERE st.study_uid = $1 AND st.site_id = ANY($2::uuid[])', [scope.studyUid, siteIds])
      : await q.query(
          `SELECT 1 FROM dicom_studies st JOIN dicom_series se ON se.study_ref = st.id
            WHERE st.study_uid = $1 AND st.site_id = ANY($2::uuid[]) AND se.series_uid = $3`,
          [scope.studyUid, siteIds, scope.seriesUid],
        );
  return rows.length > 0;
}
