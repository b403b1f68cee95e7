import { describe, expect, it } from 'vitest';
import { filterConditions, fold, FOLD_FROM, FOLD_TO, likePattern, parseQidoQuery, SqlParams, tagOf } from './qido.query';

describe('tagOf()', () => {
  it('tagOf() maps keywords and hex tags (any case) to upper-case hex, and unknown keys to undefined', () => {
    expect(tagOf('PatientName')).toBe('00100010');
    expect(tagOf('0020000d')).toBe('0020000D');
    expect(tagOf('NotAKeyword')).toBeUndefined();
    expect(tagOf('__proto__')).toBeUndefined();
    expect(tagOf('0010002')).toBeUndefined();
  });
});

describe('fold() and likePattern()', () => {
  it('fold() removes French accents, folds ligatures to their first letter and lower-cases', () => {
    expect(fold('HÉLÈNE Çœur Noël ÆSTHÉTIQUE')).toBe('helene cour noel asthetique');
    expect([...FOLD_FROM].length).toBe(FOLD_TO.length);
  });

  it('likePattern() turns * and ? into % and _ and escapes LIKE’s own characters', () => {
    expect(likePattern('DU*ON?')).toBe('DU%ON_');
    expect(likePattern('50%_a\\b')).toBe('50\\%\\_a\\\\b');
  });
});

describe('parseQidoQuery()', () => {
  it('parseQidoQuery() with keywords, hex tags, limit, offset and includefield builds filters and includes', () => {
    const q = parseQidoQuery('study', {
      PatientName: 'dupont*',
      '00100020': 'SYN-1',
      StudyDate: '20260101-',
      limit: '10',
      offset: '20',
      includefield: ['PatientAge,00181030', 'all'],
      fuzzymatching: 'true',
      InstitutionName: '',
    });
    expect(q.matchedOn).toEqual(['PatientName', 'PatientID', 'StudyDate']);
    expect(q.limit).toBe(10);
    expect(q.offset).toBe(20);
    expect(q.includeAll).toBe(true);
    expect(q.includeTags).toEqual(expect.arrayContaining(['00101010', '00181030', '00080080', '00100010']));
    expect(q.filters.map((f) => f.matcher)).toEqual([
      { type: 'normalized-like', pattern: 'dupont%', componentWise: true },
      { type: 'equals', value: 'SYN-1' },
      { type: 'range', from: '20260101', to: undefined },
    ]);
  });

  it('parseQidoQuery() of PatientName=* and PatientName=Dupont^ matches everything and the family name alone', () => {
    expect(parseQidoQuery('study', { PatientName: '*' }).filters).toEqual([]);
    expect(parseQidoQuery('study', { PatientName: 'Dupont^' }).filters[0]!.matcher).toEqual({ type: 'normalized-like', pattern: 'dupont', componentWise: true });
    expect(parseQidoQuery('study', { PatientName: 'Dupont^Jean=ideo' }).filters[0]!.matcher).toEqual({
      type: 'normalized-like',
      pattern: 'dupont^jean',
      componentWise: false,
    });
  });

  it('parseQidoQuery() of StudyTime=10 spans the whole hour, of a single date matches that day', () => {
    expect(parseQidoQuery('study', { StudyTime: '10' }).filters[0]!.matcher).toEqual({ type: 'range', from: '100000', to: '105959.999999' });
    expect(parseQidoQuery('study', { StudyDate: '20260115' }).filters[0]!.matcher).toEqual({ type: 'range', from: '20260115', to: '20260115' });
  });

  it('parseQidoQuery() at the instance level accepts study, series and instance attributes', () => {
    const q = parseQidoQuery('instance', { StudyInstanceUID: '1.2.3', Modality: 'CT\\MR', InstanceNumber: '4' });
    expect(q.filters.map((f) => f.matcher)).toEqual([
      { type: 'any', values: ['1.2.3'] },
      { type: 'any', values: ['CT', 'MR'] },
      { type: 'equals', value: 4 },
    ]);
  });

  it('parseQidoQuery() errors never echo the value, which may be a patient name', () => {
    try {
      parseQidoQuery('study', { PatientName: ['DUPONT', 'MARTIN'] });
      expect.unreachable();
    } catch (err) {
      expect(JSON.stringify(err)).not.toMatch(/DUPONT|MARTIN/);
      expect((err as { code: string }).code).toBe('VALIDATION_FAILED');
    }
  });

  it('parseQidoQuery() of 1001 UIDs or a 5000-character value answers VALIDATION_FAILED', () => {
    const uids = Array.from({ length: 1001 }, (_, i) => `1.2.${i}`).join(',');
    expect(() => parseQidoQuery('study', { StudyInstanceUID: uids })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => parseQidoQuery('study', { PatientID: 'x'.repeat(5000) })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('filterConditions()', () => {
  it('filterConditions() puts every value in a parameter and never in the SQL text', () => {
    const q = parseQidoQuery('study', { PatientName: "o'brien*", PatientID: "x'; DROP TABLE y; --", ModalitiesInStudy: 'CT,MR' });
    const sql = new SqlParams();
    const text = filterConditions(q.filters, sql).join(' AND ');
    expect(text).not.toContain('brien');
    expect(text).not.toContain('DROP');
    expect(sql.values).toEqual(expect.arrayContaining(["o'brien%", "x'; DROP TABLE y; --", ['CT', 'MR']]));
  });
});
