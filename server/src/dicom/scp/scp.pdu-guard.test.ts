import { describe, expect, it } from 'vitest';
import { PduLengthGuard } from './scp.pdu-guard';

function pdu(type: number, length: number, body = length): Buffer {
  const out = Buffer.alloc(6 + body);
  out[0] = type;
  out.writeUInt32BE(length, 2);
  return out;
}

describe('PduLengthGuard.feed()', () => {
  const limits = { maxDataPdu: 16384, maxOtherPdu: 65536 };

  it('feed() with PDUs at the limits, split at every byte: no violation', () => {
    const guard = new PduLengthGuard(limits);
    const stream = Buffer.concat([pdu(0x01, 65536), pdu(0x04, 16384), pdu(0x04, 10), pdu(0x05, 4)]);
    for (let i = 0; i < stream.length; i += 7) {
      expect(guard.feed(stream.subarray(i, i + 7))).toBeNull();
    }
  });

  it('feed() with a P-DATA-TF one byte over maxDataPdu after a valid PDU: reports it', () => {
    const guard = new PduLengthGuard(limits);
    expect(guard.feed(pdu(0x04, 100))).toBeNull();
    expect(guard.feed(pdu(0x04, 16385, 0).subarray(0, 4))).toBeNull();
    expect(guard.feed(pdu(0x04, 16385, 0).subarray(4))).toEqual({ pduType: 0x04, length: 16385 });
  });

  it('feed() with an association request over maxOtherPdu: reports it', () => {
    expect(new PduLengthGuard(limits).feed(pdu(0x01, 0x7fffffff, 0))).toEqual({ pduType: 0x01, length: 0x7fffffff });
  });
});
