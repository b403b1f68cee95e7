const P_DATA_TF = 0x04;
const PDU_HEADER = 6;

export interface PduLimits {
  /** Largest P-DATA-TF PDU length accepted: the Maximum Length we announce in the A-ASSOCIATE-AC. */
  maxDataPdu: number;
  /** Largest length of any other PDU (association request, release, abort). */
  maxOtherPdu: number;
}

/**
 * Follows the PDU boundaries of an incoming byte stream and reports the first PDU whose announced length is over
 * the limit. dcmjs-dimse buffers a whole PDU, re-concatenating on every chunk, before it looks at it: a peer that
 * ignores the negotiated maximum could make it hold gigabytes. The guard sees each chunk first, so the connection
 * is cut after at most one socket read of such a PDU.
 */
export class PduLengthGuard {
  readonly #limits: PduLimits;
  readonly #header = Buffer.alloc(PDU_HEADER);
  #headerFill = 0;
  /** Bytes of the current PDU's body still to come. */
  #remaining = 0;

  constructor(limits: PduLimits) {
    this.#limits = limits;
  }

  /** Returns a description of the violation, or null while every PDU is within the limits. */
  feed(chunk: Buffer): { pduType: number; length: number } | null {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - offset);
        this.#remaining -= take;
        offset += take;
        continue;
      }
      const take = Math.min(PDU_HEADER - this.#headerFill, chunk.length - offset);
      chunk.copy(this.#header, this.#headerFill, offset, offset + take);
      this.#headerFill += take;
      offset += take;
      if (this.#headerFill < PDU_HEADER) break;
      this.#headerFill = 0;
      const pduType = this.#header.readUInt8(0);
      const length = this.#header.readUInt32BE(2);
      const limit = pduType === P_DATA_TF ? this.#limits.maxDataPdu : this.#limits.maxOtherPdu;
      if (length > limit) return { pduType, length };
      this.#remaining = length;
    }
    return null;
  }
}

/** PS3.8 table 9-26: who aborts, and why (the reason counts only when the service provider aborts). */
export const ABORT = {
  /** The SCP itself ends the association, e.g. at shutdown. */
  serviceUser: { source: 0, reason: 0 },
  /** A PDU arrived that the state of the association does not allow. */
  unexpectedPdu: { source: 2, reason: 2 },
  /** A PDU's length is over the negotiated maximum. */
  invalidPduParameter: { source: 2, reason: 6 },
} as const;

/** An A-ABORT PDU (PS3.8 9.3.8). */
export function aAbortPdu(abort: { source: number; reason: number }): Buffer {
  return Buffer.from([0x07, 0x00, 0, 0, 0, 4, 0x00, 0x00, abort.source, abort.reason]);
}
