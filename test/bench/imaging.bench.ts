// `npm run bench:imaging`: this server against Debian's Orthanc 1.10.1, in the same run, on the same generated
// 300-slice 512×512 head CT. Both get fresh studies for every timed store, so nothing is a duplicate.
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { writeStudy, generateStudy } from '@telestroke/server/dicom/synthetic';
import { ApiClient, DEMO, startTestServer } from '@telestroke/server/testing';
import { startPostgres } from '../../scripts/lib/postgres.mjs';
import { SERVER_NODE_OPTIONS } from '../../scripts/lib/server-node-options.mjs';
import { freePort, launch, waitFor200 } from '../e2e/process';
import { OrthancPeer } from '../peers/OrthancPeer';
import { describeMachine, median, percentile, recordSection, timed } from './bench.util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Timed runs. Default 5: on these noisy machines one run's rate moves by ±20%. */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SLICES = Number(process.env.BENCH_SLICES ?? 300);
const BATCH = 30;
/** STOW-RS senders at once: one, as a gateway sends a study, and two. */
const SENDERS = [1, 2] as const;
const PASSWORD = 'bench-demo-password';

interface Peer {
  name: string;
  base: string;
  headers: Record<string, string>;
  aet: string;
  dicomPort: number;
}

/** One keep-alive agent for both peers: the client's own cost stays small and the same for both. */
const agent = new http.Agent({ keepAlive: true });

/**
 * One HTTP request through node:http, the body given as chunks written as they are. fetch would cost the client
 * more CPU per request than a server spends storing an instance, on the same two cores as the servers.
 * Tried again when a kept-alive socket was closed by the server meanwhile (it idles while storescu runs): such a
 * failure is immediate, before anything is sent. Both peers get the same treatment.
 */
async function request(url: string, init: { method?: string; headers: Record<string, string>; body?: Buffer[] }): Promise<{ status: number; bytes: number }> {
  const once = () =>
    new Promise<{ status: number; bytes: number }>((resolve, reject) => {
      const length = init.body?.reduce((n, b) => n + b.length, 0);
      const req = http.request(url, {
        method: init.method ?? 'GET',
        agent,
        headers: { ...init.headers, ...(length !== undefined ? { 'content-length': String(length) } : {}) },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode!, bytes }));
        res.on('error', reject);
      });
      req.cork();
      for (const chunk of init.body ?? []) req.write(chunk);
      req.uncork();
      req.end();
    });
  // Each kept-alive socket may have been closed meanwhile: one more try than there are senders.
  for (let attempt = 0; ; attempt++) {
    try {
      return await once();
    } catch (err) {
      if (attempt > Math.max(...SENDERS)) throw err;
    }
  }
}

/** A STOW-RS body as the chunks to write: the framing around each file, and the files themselves, not copied. */
function multipart(parts: Buffer[], boundary: string): Buffer[] {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), p, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return chunks;
}

/** STOWs the files in batches of BATCH, `senders` requests at a time, the same way to both peers. */
async function stow(peer: Peer, files: Buffer[], senders: number): Promise<void> {
  const batches: { boundary: string; body: Buffer[] }[] = [];
  for (let i = 0; i < files.length; i += BATCH) {
    const boundary = `bench${Math.random().toString(16).slice(2)}`;
    batches.push({ boundary, body: multipart(files.slice(i, i + BATCH), boundary) });
  }
  let next = 0;
  const sender = async () => {
    while (next < batches.length) {
      const { boundary, body } = batches[next++]!;
      const res = await request(`${peer.base}/studies`, {
        method: 'POST',
        headers: { ...peer.headers, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, accept: 'application/dicom+json' },
        body,
      });
      if (res.status !== 200) throw new Error(`${peer.name} STOW answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: senders }, sender));
}

function storescu(peer: Peer, dir: string): void {
  const r = spawnSync('storescu', ['-aet', 'MACON_CT', '-aec', peer.aet, '+sd', '+r', '127.0.0.1', String(peer.dicomPort), dir], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`storescu to ${peer.name} failed: ${r.stderr.slice(-500)}`);
}

async function fetchAll(peer: Peer, urlPath: string, accept: string): Promise<number> {
  const res = await request(`${peer.base}${urlPath}`, { headers: { ...peer.headers, accept } });
  if (res.status !== 200) throw new Error(`${peer.name} GET ${urlPath} answered ${res.status}`);
  return res.bytes;
}

async function main() {
  const work = await mkdtemp(path.join(os.tmpdir(), 'telestroke-bench-'));
  const pgServer = await startPostgres(() => undefined, { durable: true });
  const cleanups: (() => Promise<void> | void)[] = [() => pgServer.stop(), () => rm(work, { recursive: true, force: true })];
  try {
    console.log(`generating ${(SENDERS.length + 1) * RUNS + 1} studies of ${SLICES} slices…`);
    const warmStudy = await writeStudy(path.join(work, 'warm'), { kind: 'ct', slices: SLICES });
    const stowStudies = [];
    const storeStudies = [];
    for (let i = 0; i < RUNS * SENDERS.length; i++) stowStudies.push(await writeStudy(path.join(work, `stow${i}`), { kind: 'ct', slices: SLICES }));
    for (let i = 0; i < RUNS; i++) storeStudies.push(await writeStudy(path.join(work, `store${i}`), { kind: 'ct', slices: SLICES }));
    const studyBytes = stowStudies[0]!.totalBytes;

    // This server, in its own process like Orthanc, on a durable PostgreSQL.
    const admin = new pg.Client({ connectionString: pgServer.url });
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    await admin.end();
    const port = await freePort();
    const dicomPort = await freePort();
    const server = launch('node_modules/.bin/tsx', ['server/src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        DICOM_PORT: String(dicomPort),
        DATA_DIR: path.join(work, 'server-data'),
        DATABASE_URL: pgServer.url.replace(/\/postgres$/, '/bench'),
        DEMO_PASSWORD: PASSWORD,
        LOG_LEVEL: 'warn',
        NODE_OPTIONS: SERVER_NODE_OPTIONS.join(' '),
      },
    });
    cleanups.unshift(() => server.stop());
    await waitFor200(`http://127.0.0.1:${port}/healthz`, 60_000);
    const api = new ApiClient(`http://127.0.0.1:${port}`);
    await api.login(DEMO.admin, PASSWORD);
    const token = (await api.post('/api/sites/MACON/tokens', { name: 'bench' })).body.token as string;
    const ours: Peer = { name: 'telestroke', base: `http://127.0.0.1:${port}/dicom-web`, headers: { authorization: `Bearer ${token}` }, aet: 'TELESTROKE', dicomPort };

    const orthanc = await OrthancPeer.create({ aet: 'ORTHANC', modalities: { macon: { aet: 'MACON_CT', host: '127.0.0.1', port: 104 } } });
    cleanups.unshift(() => orthanc.close());
    const theirs: Peer = { name: 'orthanc', base: `${orthanc.url}/dicom-web`, headers: {}, aet: 'ORTHANC', dicomPort: orthanc.dicomPort };

    // One untimed study to each first, as a server that has been running would be: this server's code is compiled as
    // it runs, and neither has yet filled its caches.
    const warmFiles = await Promise.all(warmStudy.files.map((f) => readFile(f.path)));
    for (const peer of [ours, theirs]) await stow(peer, warmFiles, 1);

    const results: Record<string, { ours: number[]; theirs: number[] }> = {
      ...Object.fromEntries(SENDERS.map((n) => [`stow${n}`, { ours: [], theirs: [] }])),
      cstore: { ours: [], theirs: [] },
      metadata: { ours: [], theirs: [] },
      retrieve: { ours: [], theirs: [] },
    };
    for (let i = 0; i < RUNS; i++) {
      // Alternate who goes first, so that neither always gets the warmer page cache.
      const order: [Peer, 'ours' | 'theirs'][] = i % 2 ? [[theirs, 'theirs'], [ours, 'ours']] : [[ours, 'ours'], [theirs, 'theirs']];
      for (const [s, senders] of SENDERS.entries()) {
        const files = await Promise.all(stowStudies[i * SENDERS.length + s]!.files.map((f) => readFile(f.path)));
        for (const [peer, key] of order) {
          const { ms } = await timed(() => stow(peer, files, senders));
          results[`stow${senders}`]![key].push(files.length / (ms / 1000));
          console.log(`STOW ${peer.name}, ${senders} sender(s): ${(files.length / (ms / 1000)).toFixed(0)} instances/s`);
        }
      }
      for (const [peer, key] of order) {
        const { ms } = await timed(async () => storescu(peer, path.join(work, `store${i}`)));
        results.cstore![key].push(ms / 1000);
        console.log(`storescu → ${peer.name}: ${(ms / 1000).toFixed(1)} s`);
      }
    }
    const uid = stowStudies[0]!.studyInstanceUid;
    for (let i = 0; i < 10; i++) {
      for (const [peer, key] of [[ours, 'ours'], [theirs, 'theirs']] as const) {
        results.metadata![key].push((await timed(() => fetchAll(peer, `/studies/${uid}/metadata`, 'application/dicom+json'))).ms / 1000);
      }
    }
    for (let i = 0; i < 5; i++) {
      for (const [peer, key] of [[ours, 'ours'], [theirs, 'theirs']] as const) {
        const { ms, value } = await timed(() => fetchAll(peer, `/studies/${uid}`, 'multipart/related; type="application/dicom"'));
        results.retrieve![key].push(value / 2 ** 20 / (ms / 1000));
      }
    }

    // Arrival events: from sending the first instance of a new study to the subscriber's callback.
    process.env.TEST_DATABASE_URL = pgServer.url;
    const inproc = await startTestServer({ LOG_LEVEL: 'silent' });
    cleanups.unshift(() => inproc.close());
    // As main.ts does: the first study after a start must not wait for the ingest threads.
    inproc.server.imaging.warmUp();
    const c = new ApiClient(inproc.url);
    await c.login(DEMO.admin);
    const gwToken = (await c.post('/api/sites/MACON/tokens', { name: 'events' })).body.token as string;
    const latencies: number[] = [];
    for (let i = 0; i < 100; i++) {
      const [inst] = [...generateStudy({ kind: 'ct', slices: 1, rows: 512, columns: 512 })];
      const got = new Promise<bigint>((resolve) => {
        const off = inproc.server.imaging.bus.subscribe('study.arriving', (e) => {
          if (e.studyInstanceUid === inst!.studyInstanceUid) {
            off();
            resolve(process.hrtime.bigint());
          }
        });
      });
      const boundary = 'evt';
      const t0 = process.hrtime.bigint();
      await request(`${inproc.url}/dicom-web/studies`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gwToken}`, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` },
        body: multipart([inst!.bytes], boundary),
      });
      latencies.push(Number((await got) - t0) / 1e6);
    }

    const mb = (studyBytes / 2 ** 20).toFixed(0);
    const row = (label: string, k: string, unit: string, higherIsBetter: boolean, digits = 0) => {
      const o = median(results[k]!.ours);
      const t = median(results[k]!.theirs);
      const ratio = higherIsBetter ? o / t : t / o;
      return `| ${label} | ${o.toFixed(digits)} ${unit} | ${t.toFixed(digits)} ${unit} | ${ratio.toFixed(2)}× |`;
    };
    const md = [
      `## Imaging (\`npm run bench:imaging\`, ${new Date().toISOString().slice(0, 10)})`,
      '',
      `Machine: ${describeMachine()}.`,
      `Data: generated head CT, ${SLICES} slices of 512×512, 16-bit, ${mb} MB per study; fresh studies for every store run.`,
      `This server runs in its own process on PostgreSQL 15 with fsync on: it answers once each instance's file is flushed and its rows are committed. Orthanc 1.10.1 (Debian) with its DICOMweb plugin and default SQLite index: it flushes each file (fdatasync), not its index.`,
      `Client: node:http with kept-alive connections, the same for both servers. STOW: batches of ${BATCH} instances, one sender (requests one after another), then two senders at once. C-STORE: one dcmtk storescu association. Each server first stores one untimed study. Medians of ${RUNS} runs (metadata of 10, retrieve of 5). Ratio: how many times better this server is (higher is better).`,
      '',
      '| figure | this server | Orthanc 1.10.1 | ratio |',
      '|---|---|---|---|',
      row('STOW-RS, one sender, instances/s', 'stow1', 'inst/s', true),
      row('STOW-RS, two senders, instances/s', 'stow2', 'inst/s', true),
      row(`C-STORE from storescu, ${SLICES} instances`, 'cstore', 's', false, 1),
      row('WADO-RS study metadata', 'metadata', 's', false, 3),
      row('WADO-RS whole-study retrieve', 'retrieve', 'MB/s', true),
      '',
      `Runs, this server / Orthanc: ${['stow1', 'stow2', 'cstore']
        .map((k) => `${k === 'cstore' ? 'C-STORE s' : `STOW ${k.slice(4)} sender(s) inst/s`} ${results[k]!.ours.map((v, i) => `${v.toFixed(k === 'cstore' ? 1 : 0)}/${results[k]!.theirs[i]!.toFixed(k === 'cstore' ? 1 : 0)}`).join(', ')}`)
        .join('; ')}.`,
      '',
      `Arrival event, from sending the first instance of a new study (STOW-RS, one 512×512 instance) to the \`study.arriving\` subscriber: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms over ${latencies.length} studies (target p99 < 250 ms).`,
    ].join('\n');
    console.log(`\n${md}\n`);
    await recordSection(path.join(root, 'docs/benchmarks.md'), 'imaging', md);
    console.log('written to docs/benchmarks.md');
  } finally {
    for (const c of cleanups) await c();
  }
}

await main();
process.exit(0);
