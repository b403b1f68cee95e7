// SFU load harness for `npm run bench:sfu`: 1:1 consults whose two peers each send a 720p VP8 camera as plain RTP
// (replayed from a clip Debian's ffmpeg encodes once) and receive the other's, on one mediasoup worker. It measures the
// worker's CPU and the loss of what it forwards, through our SFU (signaling, rooms, quality stats) and through bare
// mediasoup (the baseline).
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

const VP8_PT = 101;
const VP8_CLOCK = 90_000;
/** RTP payload bytes per packet, as browsers send. */
const MTU_PAYLOAD = 1150;

/** One RTP packet of the clip, without its header. */
interface ClipPacket {
  /** Milliseconds from the clip's start. */
  at: number;
  /** RTP timestamp offset from the clip's start. */
  ts: number;
  marker: boolean;
  /** Index of the packet's frame in the clip, for the VP8 picture id. */
  frame: number;
  payload: Buffer;
}

export interface Clip {
  packets: ClipPacket[];
  /** Frames in the clip. */
  frames: number;
  durationMs: number;
  /** Bits per second of RTP payload. */
  bitrate: number;
  width: number;
  height: number;
}

/**
 * Encodes `seconds` of a moving 720p test pattern with Debian's ffmpeg (libvpx, 1.5 Mbit/s as the camera's top layer,
 * a keyframe a second), and cuts it into VP8 RTP payloads (RFC 7741) with a picture id, as ffmpeg and browsers send
 * them: mediasoup reads the descriptor to find keyframes, without which a consumer forwards nothing.
 */
export async function encodeClip(seconds: number): Promise<Clip> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sfu-bench-'));
  const file = path.join(dir, 'clip.ivf');
  try {
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30`, '-t', String(seconds),
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1500k', '-g', '30', '-f', 'ivf', file,
    ]);
    return packetize(readFileSync(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function packetize(ivf: Buffer): Clip {
  const width = ivf.readUInt16LE(12);
  const height = ivf.readUInt16LE(14);
  const rate = ivf.readUInt32LE(16);
  const scale = ivf.readUInt32LE(20);
  const packets: ClipPacket[] = [];
  let offset = ivf.readUInt16LE(6);
  let bytes = 0;
  let lastAt = 0;
  let frames = 0;
  while (offset + 12 <= ivf.length) {
    const size = ivf.readUInt32LE(offset);
    const pts = Number(ivf.readBigUInt64LE(offset + 4));
    const frame = ivf.subarray(offset + 12, offset + 12 + size);
    offset += 12 + size;
    const seconds = (pts * scale) / rate;
    const at = seconds * 1000;
    lastAt = at;
    const ts = Math.round(seconds * VP8_CLOCK);
    for (let start = 0; start < frame.length; start += MTU_PAYLOAD) {
      const chunk = frame.subarray(start, start + MTU_PAYLOAD);
      // VP8 payload descriptor: X (extensions follow), S (start of partition 0) on a frame's first packet; then I
      // (picture id present) and a 15-bit picture id, written at send time so that it keeps counting across loops.
      const payload = Buffer.concat([Buffer.from([start === 0 ? 0x90 : 0x80, 0x80, 0x80, 0x00]), chunk]);
      packets.push({ at, ts, marker: start + MTU_PAYLOAD >= frame.length, frame: frames, payload });
      bytes += payload.length;
    }
    frames++;
  }
  const durationMs = lastAt + (1000 * scale) / rate;
  return { packets, frames, durationMs, bitrate: (bytes * 8 * 1000) / durationMs, width, height };
}

interface Stream {
  ip: string;
  port: number;
  ssrc: number;
  seq: number;
}

/**
 * Sends the clip, looped, to every stream added, with the stream's SSRC and its own sequence numbers, at the clip's
 * pace. One socket for all: the SFU's sending plain transports learn the source from the first packet (comedia).
 */
export class Replayer {
  readonly #clip: Clip;
  readonly #socket = dgram.createSocket('udp4');
  readonly #streams: Stream[] = [];
  #timer: NodeJS.Timeout | null = null;
  #started = 0;
  #next = 0;
  #loop = 0;
  sent = 0;

  constructor(clip: Clip) {
    this.#clip = clip;
    this.#socket.on('error', () => undefined);
  }

  add(target: { ip: string; port: number }, ssrc: number): void {
    this.#streams.push({ ...target, ssrc, seq: Math.floor(Math.random() * 30_000) });
  }

  start(): void {
    this.#started = performance.now();
    this.#timer = setInterval(() => this.#tick(), 4);
  }

  #tick(): void {
    const clip = this.#clip;
    const elapsed = performance.now() - this.#started;
    for (;;) {
      const packet = clip.packets[this.#next];
      if (!packet) {
        this.#next = 0;
        this.#loop++;
        continue;
      }
      if (this.#loop * clip.durationMs + packet.at > elapsed) return;
      this.#next++;
      const ts = (packet.ts + Math.round((this.#loop * clip.durationMs * VP8_CLOCK) / 1000)) >>> 0;
      const pictureId = (this.#loop * clip.frames + packet.frame) & 0x7fff;
      packet.payload.writeUInt16BE(0x8000 | pictureId, 2);
      for (const s of this.#streams) {
        const header = Buffer.alloc(12);
        header[0] = 0x80;
        header[1] = (packet.marker ? 0x80 : 0) | VP8_PT;
        header.writeUInt16BE(s.seq, 2);
        s.seq = (s.seq + 1) & 0xffff;
        header.writeUInt32BE(ts, 4);
        header.writeUInt32BE(s.ssrc, 8);
        this.#socket.send([header, packet.payload], s.port, s.ip);
        this.sent++;
      }
    }
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#socket.close();
  }
}

/** Where one peer receives what the SFU forwards to it; counts the RTP packets. */
export class Receiver {
  readonly rtp = dgram.createSocket('udp4');
  readonly rtcp = dgram.createSocket('udp4');
  received = 0;

  static async create(): Promise<Receiver> {
    const r = new Receiver();
    await Promise.all([r.rtp, r.rtcp].map((s) => new Promise<void>((ok) => s.bind(0, '127.0.0.1', () => ok()))));
    r.rtp.on('error', () => undefined);
    r.rtcp.on('error', () => undefined);
    r.rtp.on('message', (msg) => {
      // mediasoup's bandwidth probation packets (SSRC 1234, payload type 127) are not media.
      if (msg.length >= 12 && msg[0]! >> 6 === 2 && (msg[1]! & 0x7f) !== 127 && msg.readUInt32BE(8) !== 1234) {
        r.received++;
      }
    });
    return r;
  }

  get port(): number {
    return (this.rtp.address() as AddressInfo).port;
  }

  get rtcpPort(): number {
    return (this.rtcp.address() as AddressInfo).port;
  }

  close(): void {
    this.rtp.close();
    this.rtcp.close();
  }
}

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/** What a scenario needs of an SFU: add a 1:1 consult whose peers send to the replayer and receive in receivers. */
export interface LoadTarget {
  readonly name: string;
  readonly workerPid: number;
  addConsult(replayer: Replayer, receivers: Receiver[]): Promise<void>;
  close(): Promise<void>;
}

const VP8_RTP_PARAMETERS = (ssrc: number) => ({
  codecs: [
    {
      mimeType: 'video/VP8',
      payloadType: VP8_PT,
      clockRate: VP8_CLOCK,
      rtcpFeedback: [
        { type: 'nack', parameter: '' },
        { type: 'nack', parameter: 'pli' },
        { type: 'ccm', parameter: 'fir' },
      ],
    },
  ],
  encodings: [{ ssrc }],
  rtcp: { cname: `bench-${ssrc}`, reducedSize: false },
});

let nextSsrc = 10_000_000;

// ---------------------------------------------------------------------------------------------------------------
// Our SFU: rooms, peers and signaling over WebSocket, in this process (the test harness of sfu/), one worker.

interface SfuTestClient {
  request(method: string, data?: unknown): Promise<any>;
  notification(name: string, match?: (data: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}
interface SfuHarness {
  startTestSfu(options: {
    numWorkers: number;
    rtcMinPort: number;
    rtcMaxPort: number;
    room: Record<string, unknown>;
    signaling?: Record<string, unknown>;
  }): Promise<{
    pool: { workers: { pid: number }[] };
    connect(consultId: string, user: { userId: string; displayName: string; role: string }): Promise<SfuTestClient>;
    close(): Promise<void>;
  }>;
}

/**
 * Our SFU as `npm start` wires it (WorkerPool, RoomRegistry, SignalingServer), loaded from the SFU workspace at run
 * time: the test workspace does not build against sfu/ sources.
 */
export async function ourSfu(
  ports: { min: number; max: number },
  room: Record<string, unknown> = {},
): Promise<LoadTarget> {
  const harnessUrl = new URL('../../sfu/src/testing/harness.ts', import.meta.url).href;
  const harness = (await import(harnessUrl)) as SfuHarness;
  const sfu = await harness.startTestSfu({
    numWorkers: 1,
    rtcMinPort: ports.min,
    rtcMaxPort: ports.max,
    room: { allowPlainTransports: true, capacity: 2, ...room },
    signaling: { rateLimitPerSecond: 200, rateLimitBurst: 200 },
  });
  const clients: SfuTestClient[] = [];
  return {
    name: 'our SFU',
    workerPid: sfu.pool.workers[0]!.pid,
    async addConsult(replayer, receivers) {
      const consultId = randomUUID();
      const peers = await Promise.all(
        ['ward_doctor', 'neurologist'].map((role) =>
          sfu.connect(consultId, { userId: randomUUID(), displayName: role, role }),
        ),
      );
      clients.push(...peers);
      for (const client of peers) {
        const { rtpCapabilities } = await client.request('getRouterRtpCapabilities');
        await client.request('join', { rtpCapabilities });
        const receiver = await Receiver.create();
        receivers.push(receiver);
        const recv = await client.request('createPlainTransport', { direction: 'recv' });
        await client.request('connectPlainTransport', {
          transportId: recv.transportId,
          ip: '127.0.0.1',
          port: receiver.port,
          rtcpPort: receiver.rtcpPort,
        });
        const send = await client.request('createPlainTransport', { direction: 'send' });
        const ssrc = nextSsrc++;
        await client.request('produce', {
          transportId: send.transportId,
          kind: 'video',
          rtpParameters: VP8_RTP_PARAMETERS(ssrc),
          appData: { source: 'camera' },
        });
        replayer.add({ ip: send.ip, port: send.port }, ssrc);
      }
      for (const client of peers) {
        const { consumerId } = await client.notification('newConsumer', () => true, 10_000);
        await client.request('resumeConsumer', { consumerId });
      }
    },
    async close() {
      for (const c of clients) c.close();
      await sfu.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The baseline: bare mediasoup, the same worker binary and codecs, no rooms, no signaling, no stats polling.

export async function bareMediasoup(ports: { min: number; max: number }): Promise<LoadTarget> {
  const mediasoup = await import('mediasoup');
  const worker = await mediasoup.createWorker({ rtcMinPort: ports.min, rtcMaxPort: ports.max, logLevel: 'error' });
  const router = await worker.createRouter({
    mediaCodecs: [
      { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
      { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 } },
    ],
  });
  const listenIp = { ip: '127.0.0.1' };
  return {
    name: 'bare mediasoup',
    workerPid: worker.pid,
    async addConsult(replayer, receivers) {
      const producers = [];
      for (let i = 0; i < 2; i++) {
        const send = await router.createPlainTransport({ listenIp, rtcpMux: false, comedia: true });
        const ssrc = nextSsrc++;
        producers.push(await send.produce({ kind: 'video', rtpParameters: VP8_RTP_PARAMETERS(ssrc) }));
        replayer.add({ ip: '127.0.0.1', port: send.tuple.localPort }, ssrc);
      }
      for (let i = 0; i < 2; i++) {
        const receiver = await Receiver.create();
        receivers.push(receiver);
        const recv = await router.createPlainTransport({ listenIp, rtcpMux: false, comedia: false });
        await recv.connect({ ip: '127.0.0.1', port: receiver.port, rtcpPort: receiver.rtcpPort });
        const consumer = await recv.consume({
          producerId: producers[1 - i]!.id,
          rtpCapabilities: router.rtpCapabilities,
          paused: true,
        });
        await consumer.resume();
      }
    },
    async close() {
      worker.close();
    },
  };
}

export interface LoadStep {
  consults: number;
  /** Streams the worker forwards: two per consult. */
  streams: number;
  /** Worker CPU, percent of one core. */
  workerCpu: number;
  /** This process (sender, receivers, and for our SFU its signaling and rooms), percent of one core. */
  harnessCpu: number;
  /**
   * Percent of the packets sent into the SFU that did not come out of it (each stream has exactly one consumer), over
   * the window: drops anywhere, in socket buffers or in the worker.
   */
  lossPercent: number;
  /** Packets the harness sent, as a share of what the clip's pace asks: below 1, the harness, not the SFU, is short. */
  pace: number;
}

/** One measurement window over the consults running now. */
async function measure(
  target: LoadTarget,
  clip: Clip,
  replayer: Replayer,
  receivers: Receiver[],
  consults: number,
  windowMs: number,
): Promise<LoadStep> {
  const received = () => receivers.reduce((n, r) => n + r.received, 0);
  const sent0 = replayer.sent;
  const received0 = received();
  const w0 = cpuSeconds(target.workerPid);
  const h0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowMs));
  const seconds = (performance.now() - t0) / 1000;
  const workerCpu = ((cpuSeconds(target.workerPid) - w0) / seconds) * 100;
  const h = process.cpuUsage(h0);
  const harnessCpu = ((h.user + h.system) / 1e6 / seconds) * 100;
  // Packets still in flight at either end of the window are a few per stream out of thousands.
  const sent = replayer.sent - sent0;
  const got = received() - received0;
  const lossPercent = sent > 0 ? Math.max(0, (1 - got / sent) * 100) : 100;
  const clipPps = (clip.packets.length * 1000) / clip.durationMs;
  const pace = sent / (consults * 2 * clipPps * seconds);
  return { consults, streams: consults * 2, workerCpu, harnessCpu, lossPercent, pace };
}

/**
 * Adds consults step by step (`ladder`, cumulative counts) and measures each step over `windowMs` after `warmMs`.
 * Stops after the first step whose loss exceeds 1 % (in two windows running), or whose worker CPU passes 95 % of a core.
 */
export async function runLadder(
  target: LoadTarget,
  clip: Clip,
  ladder: readonly number[],
  options: { warmMs: number; windowMs: number; log: (msg: string) => void },
): Promise<LoadStep[]> {
  const replayer = new Replayer(clip);
  const receivers: Receiver[] = [];
  const steps: LoadStep[] = [];
  replayer.start();
  let consults = 0;
  try {
    for (const goal of ladder) {
      while (consults < goal) {
        await target.addConsult(replayer, receivers);
        consults++;
      }
      await new Promise((r) => setTimeout(r, options.warmMs));
      let step = await measure(target, clip, replayer, receivers, consults, options.windowMs);
      // A window over 1 % is measured again once: the machine is shared, and one burst of another process's work
      // should not decide the capacity.
      if (step.lossPercent > 1) step = await measure(target, clip, replayer, receivers, consults, options.windowMs);
      steps.push(step);
      options.log(
        `  ${target.name}: ${consults} consults, worker ${step.workerCpu.toFixed(1)} % CPU, ` +
          `harness ${step.harnessCpu.toFixed(0)} %, loss ${step.lossPercent.toFixed(2)} %, pace ${(step.pace * 100).toFixed(0)} %`,
      );
      const { lossPercent, workerCpu } = step;
      if (lossPercent > 1 || workerCpu > 95) break;
    }
  } finally {
    replayer.close();
    for (const r of receivers) r.close();
  }
  return steps;
}
