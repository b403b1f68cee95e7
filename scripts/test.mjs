// `npm test`: prepares what the suite needs on a fresh machine, then runs every test once.
// Steps that cannot be done fail with a message naming what is missing; nothing is skipped silently.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebianPackages } from './lib/debian.mjs';
import { startPostgres } from './lib/postgres.mjs';
import { ensureWorker } from './mediasoup-worker.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const step = (msg) => console.log(`\n▶ ${msg}`);
const run = (file, args, env = process.env) => execFileSync(file, args, { cwd: root, stdio: 'inherit', env });

// The packages the suite's real peers come from: PostgreSQL, the browser, the compose file's validator,
// the DICOM peers (dcmtk, Orthanc with its DICOMweb plugin), pydicom's corpus of odd but valid files, and
// ffmpeg, which feeds real RTP into the SFU, and fincore (util-linux-extra), which shows what the page cache holds.
const DEBIAN_PACKAGES = [
  'postgresql',
  'chromium',
  'docker-compose',
  'dcmtk',
  'orthanc',
  'orthanc-dicomweb',
  'python3-pydicom',
  'ffmpeg',
  'util-linux-extra',
];

let pg;
let exitCode = 1;
const cleanup = () => pg?.stop();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

try {
  step('Debian packages');
  ensureDebianPackages(DEBIAN_PACKAGES);

  step('mediasoup worker (built once, then cached outside the repository)');
  const workerBin = await ensureWorker({ log: console.log });

  step('type check');
  run(bin('tsc'), ['-b']);

  step('client build');
  run(bin('vite'), ['build', 'client', '--logLevel', 'warn']);

  step('PostgreSQL');
  pg = process.env.TEST_DATABASE_URL ? undefined : await startPostgres();

  step('vitest');
  const env = {
    ...process.env,
    TEST_DATABASE_URL: process.env.TEST_DATABASE_URL ?? pg.url,
    MEDIASOUP_WORKER_BIN: workerBin,
    CHROMIUM_PATH: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  };
  const report = path.join(os.tmpdir(), `telestroke-vitest-${process.pid}.json`);
  const args = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
  exitCode = await new Promise((resolve) => {
    const child = spawn(bin('vitest'), args, { cwd: root, stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
  // One plain closing line, whatever the reporter printed above it.
  try {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
    rmSync(report, { force: true });
  } catch {
    console.log('\nvitest wrote no report');
  }
} catch (err) {
  console.error(`\nnpm test could not run: ${err.message}`);
  exitCode = 1;
} finally {
  cleanup();
}
process.exit(exitCode);
