import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './dimse';

/** What the file meta information of a received instance says (PS3.10 7.1). */
export interface ReceivedFileMeta {
  /** The C-STORE request's Affected SOP Class UID. */
  sopClassUid: string;
  /** The C-STORE request's Affected SOP Instance UID. */
  sopInstanceUid: string;
  /** The transfer syntax negotiated for the presentation context the data set arrived on. */
  transferSyntaxUid: string;
  /** The calling AE title: written as Source and Sending Application Entity Title. */
  callingAeTitle: string;
  /** Our AE title: written as Receiving Application Entity Title. */
  calledAeTitle: string;
}

const PREAMBLE_AND_PREFIX = 132;

/** One explicit VR little endian element with a 16-bit length, padded to even length with `pad`. */
function shortElement(element: number, vr: string, value: string, pad: string): Buffer {
  const text = value.length % 2 === 1 ? value + pad : value;
  const out = Buffer.alloc(8 + text.length);
  out.writeUInt16LE(0x0002, 0);
  out.writeUInt16LE(element, 2);
  out.write(vr, 4, 'latin1');
  out.writeUInt16LE(text.length, 6);
  out.write(text, 8, 'latin1');
  return out;
}

/**
 * The preamble, "DICM" and the file meta group of a received instance. Appending the data set bytes exactly as
 * they arrived gives the Part 10 file: the data set stays in the negotiated transfer syntax, byte for byte.
 */
export function part10Header(meta: ReceivedFileMeta): Buffer {
  const version = Buffer.from([0x02, 0x00, 0x01, 0x00, 0x4f, 0x42, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);
  const elements = [
    version, // (0002,0001) FileMetaInformationVersion OB 00\01
    shortElement(0x0002, 'UI', meta.sopClassUid, '\0'),
    shortElement(0x0003, 'UI', meta.sopInstanceUid, '\0'),
    shortElement(0x0010, 'UI', meta.transferSyntaxUid, '\0'),
    shortElement(0x0012, 'UI', IMPLEMENTATION_CLASS_UID, '\0'),
    shortElement(0x0013, 'SH', IMPLEMENTATION_VERSION_NAME, ' '),
    shortElement(0x0016, 'AE', meta.callingAeTitle, ' '),
    shortElement(0x0017, 'AE', meta.callingAeTitle, ' '),
    shortElement(0x0018, 'AE', meta.calledAeTitle, ' '),
  ];
  const groupLength = elements.reduce((n, e) => n + e.length, 0);
  const head = Buffer.alloc(PREAMBLE_AND_PREFIX + 12);
  head.write('DICM', 128, 'latin1');
  // (0002,0000) FileMetaInformationGroupLength UL
  head.writeUInt16LE(0x0002, 132);
  head.writeUInt16LE(0x0000, 134);
  head.write('UL', 136, 'latin1');
  head.writeUInt16LE(4, 138);
  head.writeUInt32LE(groupLength, 140);
  return Buffer.concat([head, ...elements], head.length + groupLength);
}
