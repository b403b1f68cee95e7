import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { AppError } from '@telestroke/shared';
import type { Logger } from 'pino';
import type { RoomRegistry } from './RoomRegistry';
import type { WorkerPool } from './WorkerPool';

/** What the HTTP routes read; both are null while the workers start. */
export interface SfuHttpState {
  pool: WorkerPool | null;
  registry: RoomRegistry | null;
}

/**
 * The SFU's plain HTTP routes (the signaling WebSocket is handled on upgrade, by the SignalingServer):
 * - `GET /healthz`: 200 `{ status, workers, rooms, peers }` while at least one worker runs, else 503;
 * - `GET /stats`: live object counts from the workers' own dumps, for operators and leak tests. Loopback only,
 *   and never through a proxy: they describe load and activity, which is nobody else's business.
 */
export function createRequestListener(state: () => SfuHttpState, log: Logger): RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sfu');
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    if (url.pathname === '/healthz' && readOnly) return healthz(res, state());
    if (url.pathname === '/stats' && readOnly) {
      if (!fromLoopback(req)) return sendError(res, new AppError('FORBIDDEN', 'loopback only'));
      const { registry } = state();
      if (!registry) return sendError(res, new AppError('UNAVAILABLE', 'media workers are starting'));
      registry.stats().then(
        (stats) => sendJson(res, 200, stats),
        (err: Error) => {
          log.error({ err: err.message }, 'stats failed');
          sendError(res, new AppError('INTERNAL', 'internal error'));
        },
      );
      return;
    }
    sendError(res, new AppError('NOT_FOUND', 'not found'));
  };
}

function healthz(res: ServerResponse, { pool, registry }: SfuHttpState): void {
  const workers = pool && !pool.closed ? pool.workers.length : 0;
  if (workers > 0) {
    sendJson(res, 200, {
      status: 'ok',
      workers,
      rooms: registry?.rooms.length ?? 0,
      peers: registry?.peerCount ?? 0,
    });
    return;
  }
  sendError(res, new AppError('UNAVAILABLE', pool ? 'no media worker is running' : 'media workers are starting'));
}

/** A request made on this machine directly: from a loopback address, without forwarding headers of a proxy. */
function fromLoopback(req: IncomingMessage): boolean {
  const address = req.socket.remoteAddress ?? '';
  const loopback = address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
  const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  return loopback && !proxied;
}

function sendError(res: ServerResponse, error: AppError): void {
  sendJson(res, error.status, error.toBody());
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}
