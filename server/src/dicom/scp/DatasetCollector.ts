import { Writable } from 'node:stream';
import type { DimseAssociation } from './dimse';

/**
 * Receives the P-DATA fragments of one C-STORE data set exactly as they arrive, instead of dcmjs-dimse's default
 * of parsing them into a dcmjs dataset (which the SCP would have to re-encode). Holds at most `maxBytes`: beyond
 * that it drops the fragments and only counts, so that an oversized instance costs no memory and is refused.
 *
 * Writes complete synchronously and `write()` never asks to wait: dcmjs-dimse awaits 'drain' inside its PDU
 * handler, which it does not serialise, so a waiting stream would let the next PDU overtake this one.
 */
export class DatasetCollector extends Writable {
  /** The presentation context the data set arrives on. */
  readonly context: DimseAssociation.PresentationContext;
  readonly #maxBytes: number;
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(context: DimseAssociation.PresentationContext, maxBytes: number) {
    super({ highWaterMark: Number.MAX_SAFE_INTEGER, decodeStrings: false });
    this.context = context;
    this.#maxBytes = maxBytes;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#size += chunk.length;
    if (this.#size <= this.#maxBytes) this.#chunks.push(chunk);
    else this.#chunks = [];
    callback();
  }

  /** Bytes received, kept or not. */
  get size(): number {
    return this.#size;
  }

  get overLimit(): boolean {
    return this.#size > this.#maxBytes;
  }

  /** The data set bytes as received; empty once over the limit. */
  get chunks(): readonly Buffer[] {
    return this.#chunks;
  }
}
