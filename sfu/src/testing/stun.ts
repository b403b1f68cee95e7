import { createHmac, randomBytes } from 'node:crypto';
import net from 'node:net';
import { crc32 } from 'node:zlib';

// Just enough of ICE (RFC 8445) over TCP (RFC 6544) to make a mediasoup WebRtcTransport see a peer connect and then
// vanish, without a browser: one STUN Binding Request (RFC 5389) with USE-CANDIDATE, framed per RFC 4571.

const MAGIC_COOKIE = 0x2112a442;
const FINGERPRINT_XOR = 0x5354554e;

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  const padding = Buffer.alloc((4 - (value.length % 4)) % 4);
  return Buffer.concat([header, value, padding]);
}

function header(bodyLength: number, transactionId: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(0x0001, 0); // Binding Request
  h.writeUInt16BE(bodyLength, 2);
  h.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(h, 8);
  return h;
}

/** A Binding Request as the controlling agent (the browser) sends it to mediasoup's ICE-lite server. */
export function bindingRequest(serverUfrag: string, serverPassword: string): Buffer {
  const transactionId = randomBytes(12);
  const priority = Buffer.alloc(4);
  priority.writeUInt32BE(0x6e7f1eff, 0);
  let body = Buffer.concat([
    attribute(0x0006, Buffer.from(`${serverUfrag}:testclient`)), // USERNAME: the server's fragment first
    attribute(0x0024, priority), // PRIORITY
    attribute(0x802a, randomBytes(8)), // ICE-CONTROLLING
    attribute(0x0025, Buffer.alloc(0)), // USE-CANDIDATE
  ]);
  // MESSAGE-INTEGRITY covers the message up to itself, with a length that already counts it (RFC 5389 15.4).
  const integrity = createHmac('sha1', serverPassword)
    .update(Buffer.concat([header(body.length + 24, transactionId), body]))
    .digest();
  body = Buffer.concat([body, attribute(0x0008, integrity)]);
  // FINGERPRINT likewise (RFC 5389 15.5).
  const fingerprint = Buffer.alloc(4);
  const crc = crc32(Buffer.concat([header(body.length + 8, transactionId), body]));
  fingerprint.writeUInt32BE((crc ^ FINGERPRINT_XOR) >>> 0, 0);
  body = Buffer.concat([body, attribute(0x8028, fingerprint)]);
  return Buffer.concat([header(body.length, transactionId), body]);
}

/**
 * Connects to a transport's TCP ICE candidate and completes ICE; resolves with the socket once the Binding Success
 * Response came back. Destroying the socket then makes mediasoup's ICE state go 'disconnected'.
 */
export async function connectIceOverTcp(
  candidate: { ip: string; port: number },
  ice: { usernameFragment: string; password: string },
): Promise<net.Socket> {
  const socket = net.connect(candidate.port, candidate.ip);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const request = bindingRequest(ice.usernameFragment, ice.password);
  const framed = Buffer.alloc(2 + request.length);
  framed.writeUInt16BE(request.length, 0);
  request.copy(framed, 2);
  socket.write(framed);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no STUN response from the transport')), 3000);
    socket.once('data', (data: Buffer) => {
      clearTimeout(timer);
      // After the 2-byte frame length: 0x0101 is a Binding Success Response.
      if (data.readUInt16BE(2) === 0x0101) resolve();
      else reject(new Error(`STUN error response 0x${data.readUInt16BE(2).toString(16)}`));
    });
  });
  return socket;
}
