import { randomBytes } from 'node:crypto';

/**
 * A UID under the 2.25 root (ISO/IEC 9834-8): a random 128-bit integer in decimal, so no registered root is needed.
 * At most 44 characters, and BigInt's decimal form has no leading zeros.
 */
export function randomUid(): string {
  return `2.25.${BigInt(`0x${randomBytes(16).toString('hex')}`).toString()}`;
}

/** Names this generator in the file meta information of every file it writes. */
export const IMPLEMENTATION_CLASS_UID = '2.25.10967170145775668762819898174042942849';
/** At most 16 characters (SH). */
export const IMPLEMENTATION_VERSION_NAME = 'TELESTROKE_SYN1';
