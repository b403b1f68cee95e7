import dcmjs from 'dcmjs';
import { AppError, isDicomUid } from '@telestroke/shared';

export type QidoLevel = 'study' | 'series' | 'instance';

const LEVEL_RANK: Record<QidoLevel, number> = { study: 0, series: 1, instance: 2 };

/**
 * How an attribute matches (PS3.4 C.2.2.2 and PS3.18 8.3.4):
 * - `pn`: person names, wildcards, insensitive to case and to accents, on the Alphabetic group; a value without
 *   `^` also matches any single name component, so `dupont` finds `DUPONT^JEAN`;
 * - `text`: descriptions, wildcards, insensitive to case and to accents;
 * - `string`: exact or wildcard, case-sensitive (identifiers);
 * - `cs-list`: code strings, any of a comma or backslash separated list;
 * - `modalities`: ModalitiesInStudy, any of a list;
 * - `uid`: UID list matching;
 * - `date` and `time`: single values and ranges;
 * - `int`: exact.
 */
type MatchKind = 'pn' | 'text' | 'string' | 'cs-list' | 'modalities' | 'uid' | 'date' | 'time' | 'int';

export interface MatchableAttribute {
  keyword: string;
  tag: string;
  level: QidoLevel;
  /** SQL column; `p` patients, `st` studies, `se` series, `i` instances. A constant, never input. */
  column: string;
  kind: MatchKind;
}

/** The attributes QIDO-RS can match on: PS3.18 table 6.7.1-1 and what the worklist searches by. */
export const MATCHABLE_ATTRIBUTES: readonly MatchableAttribute[] = [
  { keyword: 'PatientName', tag: '00100010', level: 'study', column: 'p.patient_name', kind: 'pn' },
  { keyword: 'PatientID', tag: '00100020', level: 'study', column: 'p.patient_id', kind: 'string' },
  { keyword: 'PatientBirthDate', tag: '00100030', level: 'study', column: 'p.birth_date', kind: 'date' },
  { keyword: 'PatientSex', tag: '00100040', level: 'study', column: 'p.sex', kind: 'cs-list' },
  { keyword: 'StudyInstanceUID', tag: '0020000D', level: 'study', column: 'st.study_uid', kind: 'uid' },
  { keyword: 'StudyDate', tag: '00080020', level: 'study', column: 'st.study_date', kind: 'date' },
  { keyword: 'StudyTime', tag: '00080030', level: 'study', column: 'st.study_time', kind: 'time' },
  { keyword: 'AccessionNumber', tag: '00080050', level: 'study', column: 'st.accession_number', kind: 'string' },
  { keyword: 'ModalitiesInStudy', tag: '00080061', level: 'study', column: 'st.modalities', kind: 'modalities' },
  { keyword: 'ReferringPhysicianName', tag: '00080090', level: 'study', column: 'st.referring_physician', kind: 'pn' },
  { keyword: 'StudyID', tag: '00200010', level: 'study', column: 'st.study_id', kind: 'string' },
  { keyword: 'StudyDescription', tag: '00081030', level: 'study', column: 'st.description', kind: 'text' },
  { keyword: 'SeriesInstanceUID', tag: '0020000E', level: 'series', column: 'se.series_uid', kind: 'uid' },
  { keyword: 'Modality', tag: '00080060', level: 'series', column: 'se.modality', kind: 'cs-list' },
  { keyword: 'SeriesNumber', tag: '00200011', level: 'series', column: 'se.series_number', kind: 'int' },
  { keyword: 'SeriesDescription', tag: '0008103E', level: 'series', column: 'se.description', kind: 'text' },
  { keyword: 'BodyPartExamined', tag: '00180015', level: 'series', column: 'se.body_part', kind: 'cs-list' },
  { keyword: 'SOPInstanceUID', tag: '00080018', level: 'instance', column: 'i.sop_instance_uid', kind: 'uid' },
  { keyword: 'SOPClassUID', tag: '00080016', level: 'instance', column: 'i.sop_class_uid', kind: 'uid' },
  { keyword: 'InstanceNumber', tag: '00200013', level: 'instance', column: 'i.instance_number', kind: 'int' },
];

const BY_TAG = new Map(MATCHABLE_ATTRIBUTES.map((a) => [a.tag, a]));

/** Results per request when the client gives no limit, and the largest limit it may give. */
export const MAX_RESULTS: Record<QidoLevel, number> = { study: 1000, series: 1000, instance: 10_000 };

/** The longest value of one query parameter: longer is no search anyone types. */
const MAX_VALUE_LENGTH = 4096;
const MAX_LIST_ITEMS = 1000;

type Matcher =
  | { type: 'equals'; value: string | number }
  | { type: 'like'; pattern: string }
  | { type: 'normalized-like'; pattern: string; componentWise: boolean }
  | { type: 'any'; values: string[] }
  | { type: 'overlap'; values: string[] }
  | { type: 'like-any'; patterns: string[] }
  | { type: 'range'; from: string | undefined; to: string | undefined };

export interface QidoFilter {
  attribute: MatchableAttribute;
  matcher: Matcher;
}

export interface QidoQuery {
  level: QidoLevel;
  filters: QidoFilter[];
  /** Keywords of the matched attributes, for the audit (never their values). */
  matchedOn: string[];
  /** Given by the client; undefined means the level's maximum. */
  limit: number | undefined;
  offset: number;
  /** `includefield=all`. */
  includeAll: boolean;
  /** Tags asked for by includefield or by an empty matching key, upper-case hex. */
  includeTags: string[];
}

// ---------------------------------------------------------------------------------------------------------
// Keywords and tags

interface DictionaryEntry {
  tag: string;
  name: string;
}
// dcmjs's data dictionary, typed here for the two fields used: keyword → "(gggg,eeee)".
const nameMap = (dcmjs.data.DicomMetaDictionary as unknown as { nameMap: Record<string, DictionaryEntry | undefined> }).nameMap;

let keywordByTag: Map<string, string> | undefined;
function keywordOf(tag: string): string | undefined {
  if (!keywordByTag) {
    keywordByTag = new Map();
    for (const entry of Object.values(nameMap)) {
      if (entry?.tag) keywordByTag.set(entry.tag.replace(/[(),]/g, '').toUpperCase(), entry.name);
    }
  }
  return keywordByTag.get(tag);
}

/** A keyword (`PatientName`) or hex tag (`00100010`) as upper-case hex, or undefined when it is neither. */
export function tagOf(key: string): string | undefined {
  if (/^[0-9A-Fa-f]{8}$/.test(key)) return key.toUpperCase();
  const entry = Object.prototype.hasOwnProperty.call(nameMap, key) ? nameMap[key] : undefined;
  if (!entry?.tag) return undefined;
  const hex = entry.tag.replace(/[(),]/g, '').toUpperCase();
  // Repeating groups (50xx, 60xx) have x in their dictionary tag: not queryable.
  return /^[0-9A-F]{8}$/.test(hex) ? hex : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Matching values

/**
 * Letters folded by accent-insensitive matching, each paired with its plain letter. The same table runs in SQL
 * (`translate`) and here, so that both sides fold alike whatever the database's locale.
 */
const FOLDS: ReadonlyArray<readonly [string, string]> = [
  ['ÀÁÂÃÄÅĀĂĄ', 'A'], ['àáâãäåāăą', 'a'], ['ÇĆČ', 'C'], ['çćč', 'c'], ['ĎĐ', 'D'], ['ďđ', 'd'],
  ['ÈÉÊËĒĖĘĚ', 'E'], ['èéêëēėęě', 'e'], ['Ğ', 'G'], ['ğ', 'g'], ['ÌÍÎÏĪİ', 'I'], ['ìíîïīı', 'i'],
  ['ŁĹĽ', 'L'], ['łĺľ', 'l'], ['ÑŃŇ', 'N'], ['ñńň', 'n'], ['ÒÓÔÕÖØŌŐ', 'O'], ['òóôõöøōő', 'o'],
  ['ŔŘ', 'R'], ['ŕř', 'r'], ['ŚŠŞ', 'S'], ['śšşß', 's'], ['ŤŢ', 'T'], ['ťţ', 't'],
  ['ÙÚÛÜŪŮŰ', 'U'], ['ùúûüūůű', 'u'], ['ÝŸ', 'Y'], ['ýÿ', 'y'], ['ŹŻŽ', 'Z'], ['źżž', 'z'],
  // Ligatures fold to their first letter, so that a prefix search still finds them.
  ['Æ', 'A'], ['æ', 'a'], ['Œ', 'O'], ['œ', 'o'],
];
export const FOLD_FROM = FOLDS.map(([from]) => from).join('');
export const FOLD_TO = FOLDS.map(([from, to]) => to.repeat([...from].length)).join('');
const FOLD_MAP = new Map([...FOLD_FROM].map((c, i) => [c, FOLD_TO[i]!]));

/** Case and accent folding, as `foldSql` does in the database: accents by the table, then ASCII lower case. */
export function fold(value: string): string {
  let out = '';
  for (const c of value) out += FOLD_MAP.get(c) ?? c;
  return out.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The same folding in SQL; `from`/`to` are the placeholders holding FOLD_FROM and FOLD_TO. */
export function foldSql(expression: string, from: string, to: string): string {
  // ASCII-only lower case keeps the result the same as fold() under any database locale.
  return `translate(translate(${expression}, ${from}, ${to}), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;
}

function hasWildcard(value: string): boolean {
  return value.includes('*') || value.includes('?');
}

/** A DICOM wildcard value (`*`, `?`) as a LIKE pattern, with LIKE's own characters escaped. */
export function likePattern(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
}

function bad(message: string, key: string): AppError {
  return new AppError('VALIDATION_FAILED', message, [{ path: key, code: 'invalid_value', message }]);
}

function splitList(value: string): string[] {
  return value
    .split(/[,\\]/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

const DATE = /^(\d{4})(\d{2})(\d{2})$/;
function checkDate(value: string, key: string): string {
  const m = DATE.exec(value);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[3]) < 1 || Number(m[3]) > 31) {
    throw bad(`${key}: dates are YYYYMMDD, ranges YYYYMMDD-YYYYMMDD, -YYYYMMDD or YYYYMMDD-`, key);
  }
  return value;
}

const TIME = /^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$/;
function checkTime(value: string, key: string, bound: 'from' | 'to'): string {
  if (!TIME.test(value)) throw bad(`${key}: times are HHMMSS (HH, HHMM and fractions allowed), ranges with -`, key);
  // Stored times compare as text: pad a lower bound with zeros and an upper bound to the end of its unit.
  const [hms, frac] = value.split('.') as [string, string | undefined];
  if (bound === 'from') return hms.padEnd(6, '0') + (frac ? `.${frac}` : '');
  return frac ? `${hms}.${frac}` : `${hms}${'5959'.slice(0, 6 - hms.length)}.999999`;
}

function parseRange(value: string, key: string, check: (v: string, bound: 'from' | 'to') => string): Matcher {
  const dash = value.indexOf('-');
  if (dash < 0) return { type: 'range', from: check(value, 'from'), to: check(value, 'to') };
  const from = value.slice(0, dash);
  const to = value.slice(dash + 1);
  if (!from && !to) throw bad(`${key}: a range needs at least one bound`, key);
  return { type: 'range', from: from ? check(from, 'from') : undefined, to: to ? check(to, 'to') : undefined };
}

/** The matcher of one attribute's value, or null for universal matching (`*`). */
function matcherOf(attribute: MatchableAttribute, raw: string, key: string): Matcher | null {
  const value = raw.replace(/ +$/, '');
  if (value === '*') return null;
  switch (attribute.kind) {
    case 'pn': {
      const alphabetic = value.split('=')[0]!.replace(/[\^ ]+$/, '');
      if (!alphabetic || alphabetic === '*') return null;
      return { type: 'normalized-like', pattern: likePattern(fold(alphabetic)), componentWise: !alphabetic.includes('^') };
    }
    case 'text':
      return { type: 'normalized-like', pattern: likePattern(fold(value)), componentWise: false };
    case 'string':
      return hasWildcard(value) ? { type: 'like', pattern: likePattern(value) } : { type: 'equals', value };
    case 'cs-list': {
      const values = splitList(value);
      if (values.length > MAX_LIST_ITEMS) throw bad(`${key}: at most ${MAX_LIST_ITEMS} values`, key);
      if (values.some(hasWildcard)) return { type: 'like-any', patterns: values.map(likePattern) };
      return { type: 'any', values };
    }
    case 'modalities': {
      const values = splitList(value);
      if (values.length > MAX_LIST_ITEMS) throw bad(`${key}: at most ${MAX_LIST_ITEMS} values`, key);
      if (values.some(hasWildcard)) throw bad(`${key}: wildcards are not supported, list the modalities`, key);
      return { type: 'overlap', values };
    }
    case 'uid': {
      const values = splitList(value);
      if (values.length > MAX_LIST_ITEMS) throw bad(`${key}: at most ${MAX_LIST_ITEMS} UIDs`, key);
      for (const v of values) if (!isDicomUid(v)) throw bad(`${key}: not a valid UID list`, key);
      return { type: 'any', values };
    }
    case 'date':
      return parseRange(value, key, (v) => checkDate(v, key));
    case 'time':
      return parseRange(value, key, (v, bound) => checkTime(v, key, bound));
    case 'int': {
      if (!/^-?\d{1,9}$/.test(value)) throw bad(`${key}: not an integer`, key);
      return { type: 'equals', value: Number(value) };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The query string

const RESERVED = new Set(['limit', 'offset', 'includefield', 'fuzzymatching']);

function values(raw: unknown, key: string): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((v) => {
    if (typeof v !== 'string') throw bad(`${key}: not a plain value`, key);
    if (v.length > MAX_VALUE_LENGTH) throw bad(`${key}: the value is too long`, key);
    return v;
  });
}

function single(raw: unknown, key: string): string {
  const v = values(raw, key);
  if (v.length !== 1) throw bad(`${key}: give it once`, key);
  return v[0]!;
}

function count(raw: unknown, key: string, min: number, max: number): number {
  const v = single(raw, key);
  if (!/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) throw bad(`${key}: an integer from ${min} to ${max}`, key);
  return Number(v);
}

/**
 * Parses a QIDO-RS query string (PS3.18 8.3.4) for one level. Keys are keywords or hex tags; unknown keys,
 * attributes that cannot be matched at this level and malformed values answer 400 VALIDATION_FAILED naming the
 * key (never echoing the value, which may be a patient's name).
 */
export function parseQidoQuery(level: QidoLevel, query: Record<string, unknown>): QidoQuery {
  const q: QidoQuery = { level, filters: [], matchedOn: [], limit: undefined, offset: 0, includeAll: false, includeTags: [] };
  const include = new Set<string>();
  for (const [key, raw] of Object.entries(query)) {
    const reserved = key.toLowerCase();
    if (RESERVED.has(reserved)) {
      if (reserved === 'limit') q.limit = count(raw, key, 1, MAX_RESULTS[level]);
      else if (reserved === 'offset') q.offset = count(raw, key, 0, 1_000_000_000);
      else if (reserved === 'includefield') {
        for (const v of values(raw, key)) {
          for (const item of v.split(',').map((s) => s.trim()).filter(Boolean)) {
            if (item === 'all') {
              q.includeAll = true;
              continue;
            }
            const tag = tagOf(item);
            if (!tag) throw bad(`includefield: ${item.slice(0, 64)} is neither a DICOM keyword nor a tag`, key);
            include.add(tag);
          }
        }
      }
      // fuzzymatching: accepted and ignored; names already match insensitively to case and accents.
      continue;
    }
    const tag = tagOf(key);
    if (!tag) throw bad(`${key.slice(0, 64)} is not a DICOM keyword, a tag or a QIDO-RS parameter`, key.slice(0, 64));
    const list = values(raw, key);
    if (list.every((v) => v === '')) {
      // An empty value asks for the attribute to be returned (universal matching).
      include.add(tag);
      continue;
    }
    const attribute = BY_TAG.get(tag);
    const name = attribute?.keyword ?? keywordOf(tag) ?? tag;
    if (!attribute) throw bad(`${name} cannot be matched on; it may be asked for with includefield`, key);
    if (LEVEL_RANK[attribute.level] > LEVEL_RANK[level]) throw bad(`${name} cannot be matched at the ${level} level`, key);
    if (q.filters.some((f) => f.attribute === attribute)) throw bad(`${name} is given twice`, key);
    // Repeated UID keys are one list; any other attribute takes one value.
    const value = attribute.kind === 'uid' ? list.join(',') : single(raw, key);
    const matcher = matcherOf(attribute, value, key);
    include.add(tag);
    if (matcher) {
      q.filters.push({ attribute, matcher });
      q.matchedOn.push(attribute.keyword);
    }
  }
  q.includeTags = [...include];
  return q;
}

// ---------------------------------------------------------------------------------------------------------
// SQL

/** Collects parameters and hands out their placeholders: values never enter the SQL text. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The WHERE conditions of the filters, one per filter. */
export function filterConditions(filters: readonly QidoFilter[], sql: SqlParams): string[] {
  const conditions: string[] = [];
  let fromTo: [string, string] | undefined;
  const folded = (column: string) => {
    fromTo ??= [sql.add(FOLD_FROM), sql.add(FOLD_TO)];
    return foldSql(column, fromTo[0], fromTo[1]);
  };
  for (const { attribute, matcher } of filters) {
    const col = attribute.column;
    switch (matcher.type) {
      case 'equals':
        conditions.push(`${col} = ${sql.add(matcher.value)}`);
        break;
      case 'like':
        conditions.push(`${col} LIKE ${sql.add(matcher.pattern)} ESCAPE '\\'`);
        break;
      case 'like-any':
        conditions.push(`${col} LIKE ANY (${sql.add(matcher.patterns)}::text[])`);
        break;
      case 'normalized-like': {
        const trimmed = attribute.kind === 'pn' ? `rtrim(${col}, '^ ')` : col;
        const p = sql.add(matcher.pattern);
        const whole = `${folded(trimmed)} LIKE ${p} ESCAPE '\\'`;
        conditions.push(
          matcher.componentWise
            ? `(${whole} OR EXISTS (SELECT 1 FROM unnest(string_to_array(${folded(col)}, '^')) AS c(v) WHERE c.v LIKE ${p} ESCAPE '\\'))`
            : whole,
        );
        break;
      }
      case 'any':
        conditions.push(`${col} = ANY (${sql.add(matcher.values)}::text[])`);
        break;
      case 'overlap':
        conditions.push(`${col} && ${sql.add(matcher.values)}::text[]`);
        break;
      case 'range':
        if (matcher.from !== undefined && matcher.to !== undefined && matcher.from === matcher.to) {
          conditions.push(`${col} = ${sql.add(matcher.from)}`);
        } else {
          if (matcher.from !== undefined) conditions.push(`${col} >= ${sql.add(matcher.from)}`);
          if (matcher.to !== undefined) conditions.push(`${col} <= ${sql.add(matcher.to)}`);
        }
        break;
    }
  }
  return conditions;
}
