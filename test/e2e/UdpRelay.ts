import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

export interface UdpRelayOptions {
  /** Address the relay listens on: the SFU announces it to browsers (SFU_ANNOUNCED_IP). Required. */
  listenIp: string;
  /** Address the SFU's media transports listen on. Required. */
  targetIp: string;
  /** The SFU's RTC port range; the relay listens on the same ports of `listenIp`. Required. */
  minPort: number;
  maxPort: number;
}

// The relay runs in a worker thread: forwarding every media packet of two browsers in the test's own event loop
// would slow down the server that shares it, and with it every API call a benchmark times.
const RELAY_THREAD = `
const dgram = require('node:dgram');
const { parentPort, workerData } = require('node:worker_threads');
const { listenIp, targetIp, minPort, maxPort } = workerData;
let blocked = new Set();
let dropped = 0;
const sockets = [];
const upstreams = new Map();
function listen(port) {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, listenIp, () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      sockets.push(socket);
      socket.on('message', (msg, from) => {
        if (blocked.has(port)) { dropped++; return; }
        const key = from.address + ':' + from.port + '>' + port;
        let upstream = upstreams.get(key);
        if (!upstream) {
          upstream = dgram.createSocket('udp4');
          upstream.on('error', () => undefined);
          upstream.bind(0, targetIp);
          upstream.on('message', (answer) => {
            if (blocked.has(port)) { dropped++; return; }
            socket.send(answer, from.port, from.address);
          });
          upstreams.set(key, upstream);
        }
        upstream.send(msg, port, targetIp);
      });
      resolve();
    });
  });
}
parentPort.on('message', (m) => {
  if (m.type === 'block') blocked = new Set(m.ports);
  else if (m.type === 'unblock') blocked = new Set();
  else if (m.type === 'dropped') parentPort.postMessage({ type: 'dropped', dropped });
  else if (m.type === 'close') {
    for (const s of [...sockets, ...upstreams.values()]) { try { s.close(); } catch {} }
    parentPort.close();
  }
});
(async () => {
  for (let port = minPort; port <= maxPort; port++) await listen(port);
  parentPort.postMessage({ type: 'ready' });
})().catch((err) => parentPort.postMessage({ type: 'error', message: err.message }));
`;

/**
 * A UDP relay between browsers and the SFU's media ports, on loopback, so that a test can cut one browser's media
 * for real: Chromium's offline emulation stops HTTP and WebSockets but not WebRTC. The SFU announces `listenIp` in its
 * ICE candidates; every datagram a browser sends there is forwarded to the same port on `targetIp` from a socket of
 * its own per browser socket, and the answers come back the same way. `block(ports)` drops, both ways, the traffic to
 * and from those SFU ports (one per WebRTC transport, read from a page's getStats) until `unblock()`. Blocking the
 * SFU's side holds when the browser restarts ICE from new local sockets.
 */
export class UdpRelay {
  readonly #worker: Worker;

  static async create(options: UdpRelayOptions): Promise<UdpRelay> {
    const worker = new Worker(RELAY_THREAD, { eval: true, workerData: { ...options } });
    const [message] = (await once(worker, 'message')) as [{ type: string; message?: string }];
    if (message.type !== 'ready') {
      await worker.terminate();
      throw new Error(`the UDP relay could not start: ${message.message}`);
    }
    return new UdpRelay(worker);
  }

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Drops the traffic to and from these SFU transport ports. */
  block(ports: Iterable<number>): void {
    this.#worker.postMessage({ type: 'block', ports: [...ports] });
  }

  unblock(): void {
    this.#worker.postMessage({ type: 'unblock' });
  }

  /** Datagrams dropped while blocked, both directions, since the start. */
  async dropped(): Promise<number> {
    this.#worker.postMessage({ type: 'dropped' });
    const [message] = (await once(this.#worker, 'message')) as [{ dropped: number }];
    return message.dropped;
  }

  async close(): Promise<void> {
    this.#worker.postMessage({ type: 'close' });
    await this.#worker.terminate();
  }
}
