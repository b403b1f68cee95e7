import { describe, expect, it } from 'vitest';
import { cStoreStatusOf, errorComment, negotiateContext, VERIFICATION_SOP_CLASS } from './scp.presentation';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const IMPLICIT = '1.2.840.10008.1.2';
const EXPLICIT = '1.2.840.10008.1.2.1';
const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const J2K = '1.2.840.10008.1.2.4.90';

describe('negotiateContext()', () => {
  it('negotiateContext() for a storage class: accepts the first proposed syntax we store, in the SCU order', () => {
    expect(negotiateContext(CT, [BIG_ENDIAN, J2K, EXPLICIT])).toEqual({ result: 'accept', transferSyntaxUid: J2K });
    expect(negotiateContext(CT, [EXPLICIT, J2K])).toEqual({ result: 'accept', transferSyntaxUid: EXPLICIT });
  });

  it('negotiateContext() with only syntaxes we do not store: transfer-syntaxes-not-supported', () => {
    expect(negotiateContext(CT, [BIG_ENDIAN, '1.2.840.10008.1.2.4.100'])).toEqual({ result: 'transfer-syntaxes-not-supported' });
  });

  it('negotiateContext() for Verification: uncompressed little endian only', () => {
    expect(negotiateContext(VERIFICATION_SOP_CLASS, [J2K, IMPLICIT])).toEqual({ result: 'accept', transferSyntaxUid: IMPLICIT });
    expect(negotiateContext(VERIFICATION_SOP_CLASS, [J2K])).toEqual({ result: 'transfer-syntaxes-not-supported' });
  });

  it('negotiateContext() for an SR, an RT plan or a query model: abstract-syntax-not-supported', () => {
    for (const uid of ['1.2.840.10008.5.1.4.1.1.88.33', '1.2.840.10008.5.1.4.1.1.481.5', '1.2.840.10008.5.1.4.1.2.2.1', 'toString']) {
      expect(negotiateContext(uid, [EXPLICIT])).toEqual({ result: 'abstract-syntax-not-supported' });
    }
  });
});

describe('cStoreStatusOf()', () => {
  const ok = { sopClassUid: CT, sopInstanceUid: '1.2.3', studyInstanceUid: '1.2' };

  it('cStoreStatusOf() for stored and for duplicate: 0x0000 success', () => {
    expect(cStoreStatusOf({ status: 'stored', ...ok })).toEqual({ status: 0x0000 });
    expect(cStoreStatusOf({ status: 'duplicate', ...ok })).toEqual({ status: 0x0000 });
  });

  it('cStoreStatusOf() for each refusal: the DIMSE status of STORE_FAILURES and a comment of at most 64 characters', () => {
    const cases = [
      ['NOT_DICOM', 0xc000],
      ['MALFORMED', 0xc000],
      ['MISSING_UID', 0xa900],
      ['SOP_MISMATCH', 0xa900],
      ['SOP_CLASS_NOT_SUPPORTED', 0x0122],
      ['INSTANCE_CONFLICT', 0xa900],
      ['STUDY_OF_ANOTHER_SITE', 0xa900],
      ['TOO_LARGE', 0xa700],
      ['OUT_OF_RESOURCES', 0xa700],
    ] as const;
    for (const [reason, status] of cases) {
      const result = cStoreStatusOf({ status: 'rejected', reason, detail: `detail of ${reason} `.repeat(10) });
      expect(result.status, reason).toBe(status);
      expect(result.errorComment!.length, reason).toBeLessThanOrEqual(64);
    }
  });

  it('errorComment() with a backslash, a newline and accents: LO-safe characters only', () => {
    expect(errorComment('a\\b\nc é')).toBe('a b c');
  });
});
