import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { FFMPEG_SSRC } from './media';

/** Fails, rather than skips, without ffmpeg: `npm test` installs Debian's. */
export function ffmpegPath(): string {
  const found = spawnSync('ffmpeg', ['-hide_banner', '-version'], { stdio: 'ignore' });
  if (found.error || found.status !== 0) {
    throw new Error("ffmpeg is missing: these tests inject RTP with it; install Debian's (apt-get install ffmpeg)");
  }
  return 'ffmpeg';
}

/**
 * Streams a VP8 test pattern as RTP to the SFU: 320x240 at 15 frames/s, a keyframe every second so that a consumer
 * created later starts within a second (ffmpeg does not answer PLI), payload type 101 and SSRC FFMPEG_SSRC.
 */
export function startFfmpegVp8(target: { ip: string; port: number; rtcpPort?: number }): ChildProcess {
  const rtcp = target.rtcpPort ? `&rtcpport=${target.rtcpPort}` : '';
  const child = spawn(
    ffmpegPath(),
    [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15',
      '-an', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '15',
      '-payload_type', '101', '-ssrc', String(FFMPEG_SSRC),
      '-f', 'rtp', `rtp://${target.ip}:${target.port}?pkt_size=1200${rtcp}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (line: string) => process.stderr.write(`[ffmpeg] ${line}`));
  return child;
}

export interface RtpPacketInfo {
  payloadType: number;
  ssrc: number;
  at: number;
}

/** A UDP socket pair that records the RTP packets the SFU sends to it. */
export interface RtpReceiver {
  port: number;
  rtcpPort: number;
  packets: RtpPacketInfo[];
  close(): void;
}

export async function startRtpReceiver(): Promise<RtpReceiver> {
  const rtp = dgram.createSocket('udp4');
  const rtcp = dgram.createSocket('udp4');
  await Promise.all([
    new Promise<void>((resolve) => rtp.bind(0, '127.0.0.1', resolve)),
    new Promise<void>((resolve) => rtcp.bind(0, '127.0.0.1', resolve)),
  ]);
  const packets: RtpPacketInfo[] = [];
  rtp.on('message', (msg) => {
    // RTP version 2, and not RTCP (payload types 200-204 once the marker bit is folded in).
    if (msg.length < 12 || msg[0]! >> 6 !== 2 || (msg[1]! >= 200 && msg[1]! <= 204)) return;
    packets.push({ payloadType: msg[1]! & 0x7f, ssrc: msg.readUInt32BE(8), at: Date.now() });
  });
  return {
    port: (rtp.address() as AddressInfo).port,
    rtcpPort: (rtcp.address() as AddressInfo).port,
    packets,
    close: () => {
      rtp.close();
      rtcp.close();
    },
  };
}

/**
 * Sends Opus-like RTP every 20 ms carrying the ssrc-audio-level header extension (RFC 6464) with id 1 and a level of
 * `-dBov`, the way a browser marks speech; the payload is filler, since mediasoup reads only the extension. Returns
 * a function that stops sending.
 */
export function sendAudioLevelRtp(target: { ip: string; port: number }, ssrc: number, dBov: number): () => void {
  const socket = dgram.createSocket('udp4');
  let sequence = 1;
  let timestamp = 0;
  const timer = setInterval(() => {
    const packet = Buffer.alloc(12 + 8 + 20);
    packet[0] = 0x90; // version 2, extension bit
    packet[1] = 100; // payload type
    packet.writeUInt16BE(sequence++ & 0xffff, 2);
    packet.writeUInt32BE(timestamp, 4);
    timestamp = (timestamp + 960) >>> 0;
    packet.writeUInt32BE(ssrc, 8);
    packet.writeUInt16BE(0xbede, 12); // one-byte header extensions
    packet.writeUInt16BE(1, 14); // one 32-bit word of them
    packet[16] = (1 << 4) | 0; // id 1, one byte of data
    packet[17] = 0x80 | Math.min(127, Math.max(0, -dBov)); // voice activity flag, level
    socket.send(packet, target.port, target.ip);
  }, 20);
  return () => {
    clearInterval(timer);
    socket.close();
  };
}
