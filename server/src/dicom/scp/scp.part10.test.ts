import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { datasetOffsetOf, parsePart10 } from '../part10';
import { IMPLEMENTATION_CLASS_UID } from './dimse';
import { part10Header } from './scp.part10';

const CT_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm';

describe('part10Header()', () => {
  it('part10Header() + a received data set: a Part 10 file whose meta names the negotiated syntax and the request UIDs', async () => {
    const original = await readFile(CT_SMALL);
    const dataset = original.subarray(datasetOffsetOf(original));
    const parsedOriginal = parsePart10(original, true);
    const header = part10Header({
      sopClassUid: parsedOriginal.sopClassUid,
      sopInstanceUid: parsedOriginal.sopInstanceUid,
      transferSyntaxUid: '1.2.840.10008.1.2.1',
      callingAeTitle: 'NEVERS', // even length: no padding
      calledAeTitle: 'TELESTROKE1', // odd length: padded with a space
    });
    const file = Buffer.concat([header, dataset]);
    expect(datasetOffsetOf(file)).toBe(header.length);
    expect(header.length % 2).toBe(0);
    const parsed = parsePart10(file, true);
    expect(parsed.sopInstanceUid).toBe(parsedOriginal.sopInstanceUid);
    expect(parsed.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(file.subarray(parsed.datasetOffset).equals(dataset)).toBe(true);
    const text = header.toString('latin1');
    expect(text).toContain(IMPLEMENTATION_CLASS_UID);
    expect(text).toContain('TELESTROKE1 ');
  });
});
