import type { DicomElement, DicomJsonDataset } from 'dcmjs';
import type { Queryable } from '../../db/Db';
import { SERIES_LEVEL_TAGS, STUDY_LEVEL_TAGS } from '../dicom-json';
import { filterConditions, MAX_RESULTS, SqlParams, type QidoLevel, type QidoQuery } from './qido.query';

export interface QidoScope {
  /** Sites the caller may see: nothing else is ever matched. */
  siteIds: readonly string[];
  /** The study named in the path (series and instance levels). */
  studyUid?: string;
  /** The series named in the path (instance level). */
  seriesUid?: string;
  /** Absolute base of RetrieveURL, e.g. `http://host/dicom-web`. */
  base: string;
}

export interface QidoResult {
  results: DicomJsonDataset[];
  /** More results matched than the server's maximum, and the client gave no limit. */
  truncated: boolean;
}

const el = (vr: string, ...value: unknown[]): DicomElement => ({ vr, Value: value });

/** Attributes each level answers from its own row, without reading an instance's metadata. */
const STUDY_COMPUTED = ['00080056', '00080061', '00081190', '00201206', '00201208'];
const SERIES_COMPUTED = ['00080056', '0020000D', '00081190', '00201209'];
const INSTANCE_COLUMNS = ['00080016', '00080018', '00080056', '00083002', '0020000D', '0020000E', '00081190', '00200013', '00280008', '00280010', '00280011', '00280100'];

const STUDY_HELD = new Set<string>([...STUDY_LEVEL_TAGS, ...STUDY_COMPUTED]);
const SERIES_HELD = new Set<string>([...SERIES_LEVEL_TAGS, ...SERIES_COMPUTED]);
const INSTANCE_HELD = new Set<string>(INSTANCE_COLUMNS);

function sorted(ds: DicomJsonDataset): DicomJsonDataset {
  return Object.fromEntries(Object.entries(ds).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Adds the includefield tags that the level does not hold, from one of its instances. */
function addIncluded(ds: DicomJsonDataset, tags: readonly string[], source: string | null): void {
  if (!source) return;
  const instance = JSON.parse(source) as DicomJsonDataset;
  for (const tag of tags) if (!ds[tag] && instance[tag]) ds[tag] = instance[tag];
}

/** The first instance of the row's study or series, for includefield tags the level does not hold. */
const FIRST_INSTANCE_OF_STUDY = `LEFT JOIN LATERAL (
    SELECT i.metadata::text AS metadata FROM dicom_series se JOIN dicom_instances i ON i.series_ref = se.id
     WHERE se.study_ref = page.id ORDER BY se.series_number NULLS LAST, i.instance_number NULLS LAST LIMIT 1) x ON true`;
const FIRST_INSTANCE_OF_SERIES = `LEFT JOIN LATERAL (
    SELECT i.metadata::text AS metadata FROM dicom_instances i
     WHERE i.series_ref = page.id ORDER BY i.instance_number NULLS LAST LIMIT 1) x ON true`;

/**
 * QIDO-RS searches: one SQL statement per request, with the caller's visible sites in the WHERE clause, answered
 * as DICOM JSON (PS3.18 table 6.7.1-2a attributes, plus everything the level stores).
 */
export interface QidoServiceOptions {
  /** Results per request when the client gives no limit, per level. Default MAX_RESULTS. */
  maxResults?: Partial<Record<QidoLevel, number>>;
}

export class QidoService {
  readonly #db: Queryable;
  readonly #max: Record<QidoLevel, number>;

  constructor(db: Queryable, options: QidoServiceOptions = {}) {
    this.#db = db;
    this.#max = { ...MAX_RESULTS, ...options.maxResults };
  }

  async search(query: QidoQuery, scope: QidoScope): Promise<QidoResult> {
    const sql = new SqlParams();
    const conditions = [`st.site_id = ANY (${sql.add(scope.siteIds)}::uuid[])`];
    if (scope.studyUid !== undefined) conditions.push(`st.study_uid = ${sql.add(scope.studyUid)}`);
    if (scope.seriesUid !== undefined) conditions.push(`se.series_uid = ${sql.add(scope.seriesUid)}`);
    conditions.push(...filterConditions(query.filters, sql));
    const limit = Math.min(query.limit ?? this.#max[query.level], this.#max[query.level]);
    // One more row than asked tells whether the answer was cut.
    const page = `LIMIT ${sql.add(limit + 1)} OFFSET ${sql.add(query.offset)}`;
    const where = conditions.join(' AND ');
    const rows =
      query.level === 'study'
        ? await this.#studies(query, where, page, sql, scope)
        : query.level === 'series'
          ? await this.#series(query, where, page, sql, scope)
          : await this.#instances(query, where, page, sql, scope);
    const truncated = rows.length > limit;
    return { results: rows.slice(0, limit), truncated: truncated && query.limit === undefined };
  }

  async #studies(query: QidoQuery, where: string, page: string, sql: SqlParams, scope: QidoScope): Promise<DicomJsonDataset[]> {
    const extra = query.includeTags.some((t) => !STUDY_HELD.has(t));
    const { rows } = await this.#db.query<{
      study_uid: string;
      attributes: string;
      modalities: string[];
      num_series: number;
      num_instances: number;
      extra: string | null;
    }>(
      `WITH page AS (
         SELECT st.id, st.study_uid, st.attributes::text AS attributes, st.modalities, st.num_series, st.num_instances,
                st.first_received_at
           FROM dicom_studies st JOIN dicom_patients p ON p.id = st.patient_ref
          WHERE ${where}
          ORDER BY st.first_received_at DESC, st.id
          ${page})
       SELECT page.*, ${extra ? 'x.metadata' : 'NULL'} AS extra FROM page ${extra ? FIRST_INSTANCE_OF_STUDY : ''}
        ORDER BY page.first_received_at DESC, page.id`,
      sql.values,
    );
    return rows.map((r) => {
      const ds = JSON.parse(r.attributes) as DicomJsonDataset;
      ds['00080056'] = el('CS', 'ONLINE');
      ds['00080061'] = el('CS', ...r.modalities);
      ds['00201206'] = el('IS', r.num_series);
      ds['00201208'] = el('IS', r.num_instances);
      ds['00081190'] = el('UR', `${scope.base}/studies/${r.study_uid}`);
      addIncluded(ds, query.includeTags, r.extra);
      return sorted(ds);
    });
  }

  async #series(query: QidoQuery, where: string, page: string, sql: SqlParams, scope: QidoScope): Promise<DicomJsonDataset[]> {
    const extra = query.includeTags.some((t) => !SERIES_HELD.has(t));
    const { rows } = await this.#db.query<{
      series_uid: string;
      study_uid: string;
      attributes: string;
      num_instances: number;
      extra: string | null;
    }>(
      `WITH page AS (
         SELECT se.id, se.series_uid, st.study_uid, se.attributes::text AS attributes, se.num_instances,
                se.series_number
           FROM dicom_series se
           JOIN dicom_studies st ON st.id = se.study_ref
           JOIN dicom_patients p ON p.id = st.patient_ref
          WHERE ${where}
          ORDER BY se.series_number NULLS LAST, se.series_uid
          ${page})
       SELECT page.*, ${extra ? 'x.metadata' : 'NULL'} AS extra FROM page ${extra ? FIRST_INSTANCE_OF_SERIES : ''}
        ORDER BY page.series_number NULLS LAST, page.series_uid`,
      sql.values,
    );
    return rows.map((r) => {
      const ds = JSON.parse(r.attributes) as DicomJsonDataset;
      ds['00080056'] = el('CS', 'ONLINE');
      ds['0020000D'] = el('UI', r.study_uid);
      ds['00201209'] = el('IS', r.num_instances);
      ds['00081190'] = el('UR', `${scope.base}/studies/${r.study_uid}/series/${r.series_uid}`);
      addIncluded(ds, query.includeTags, r.extra);
      return sorted(ds);
    });
  }

  async #instances(query: QidoQuery, where: string, page: string, sql: SqlParams, scope: QidoScope): Promise<DicomJsonDataset[]> {
    const withMetadata = query.includeAll || query.includeTags.some((t) => !INSTANCE_HELD.has(t));
    // Without a series in the path the answer is relational: each instance carries its series' attributes.
    const withSeries = scope.seriesUid === undefined;
    const { rows } = await this.#db.query<{
      sop_instance_uid: string;
      sop_class_uid: string;
      instance_number: number | null;
      rows: number | null;
      columns: number | null;
      number_of_frames: number | null;
      bits_allocated: string | null;
      transfer_syntax_uid: string;
      series_uid: string;
      study_uid: string;
      series_attributes: string | null;
      metadata: string | null;
    }>(
      `SELECT i.sop_instance_uid, i.sop_class_uid, i.instance_number, i.rows, i.columns, i.number_of_frames,
              i.metadata -> '00280100' -> 'Value' ->> 0 AS bits_allocated, i.transfer_syntax_uid,
              se.series_uid, st.study_uid,
              ${withSeries ? 'se.attributes::text' : 'NULL'} AS series_attributes,
              ${withMetadata ? 'i.metadata::text' : 'NULL'} AS metadata
         FROM dicom_instances i
         JOIN dicom_series se ON se.id = i.series_ref
         JOIN dicom_studies st ON st.id = se.study_ref
         JOIN dicom_patients p ON p.id = st.patient_ref
        WHERE ${where}
        ORDER BY se.series_number NULLS LAST, se.series_uid, i.instance_number NULLS LAST, i.sop_instance_uid
        ${page}`,
      sql.values,
    );
    return rows.map((r) => {
      const ds: DicomJsonDataset = r.series_attributes ? (JSON.parse(r.series_attributes) as DicomJsonDataset) : {};
      if (r.metadata) {
        const metadata = JSON.parse(r.metadata) as DicomJsonDataset;
        if (query.includeAll) Object.assign(ds, metadata);
        else for (const tag of query.includeTags) if (metadata[tag]) ds[tag] = metadata[tag];
      }
      ds['00080016'] = el('UI', r.sop_class_uid);
      ds['00080018'] = el('UI', r.sop_instance_uid);
      ds['00080056'] = el('CS', 'ONLINE');
      ds['00083002'] = el('UI', r.transfer_syntax_uid);
      ds['0020000D'] = el('UI', r.study_uid);
      ds['0020000E'] = el('UI', r.series_uid);
      if (r.instance_number !== null) ds['00200013'] = el('IS', r.instance_number);
      if (r.rows !== null) ds['00280010'] = el('US', r.rows);
      if (r.columns !== null) ds['00280011'] = el('US', r.columns);
      if (r.number_of_frames !== null) ds['00280008'] = el('IS', r.number_of_frames);
      if (r.bits_allocated !== null && Number.isFinite(Number(r.bits_allocated))) ds['00280100'] = el('US', Number(r.bits_allocated));
      ds['00081190'] = el('UR', `${scope.base}/studies/${r.study_uid}/series/${r.series_uid}/instances/${r.sop_instance_uid}`);
      return sorted(ds);
    });
  }
}
