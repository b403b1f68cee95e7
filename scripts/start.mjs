// `npm start`: the whole platform on the embedded default (PGlite under DATA_DIR), on this machine.
// It builds the client when needed, starts the server at once, and starts the SFU as soon as its worker
// binary is there (the first start on a new machine builds it: a few minutes, in the background).
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWorker } from './mediasoup-worker.mjs';
import { SERVER_NODE_OPTIONS } from './lib/server-node-options.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const log = (msg) => console.log(`[start] ${msg}`);

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function ensureClientBuilt() {
  const index = path.join(root, 'client/dist/index.html');
  const sources = Math.max(newestMtime(path.join(root, 'client/src')), newestMtime(path.join(root, 'shared/src')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  log('building the client…');
  execFileSync(path.join(root, 'node_modules/.bin/vite'), ['build', 'client', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
}

/**
 * Secrets come from the environment. For the embedded default only, a missing one is generated once and kept
 * in DATA_DIR/secrets.env (mode 600), so that restarts keep signed tokens valid.
 */
function embeddedSecrets(dataDir) {
  const file = path.join(dataDir, 'secrets.env');
  const stored = existsSync(file)
    ? Object.fromEntries(
        readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      )
    : {};
  const wanted = ['SFU_TOKEN_SECRET'];
  let changed = false;
  for (const key of wanted) {
    if (!process.env[key] && !stored[key]) {
      stored[key] = randomBytes(32).toString('base64url');
      changed = true;
    }
  }
  if (changed) writeFileSync(file, Object.entries(stored).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  return Object.fromEntries(wanted.map((k) => [k, process.env[k] || stored[k]]));
}

const dataDir = path.resolve(root, process.env.DATA_DIR || 'data');
mkdirSync(dataDir, { recursive: true });
const env = { ...process.env, DATA_DIR: dataDir, ...embeddedSecrets(dataDir) };
const port = env.PORT || '8080';
const sfuPort = env.SFU_PORT || '4443';

ensureClientBuilt();

async function waitForHealth(url) {
  for (;;) {
    if (stopping) throw new Error('stopping');
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const children = new Set();
let stopping = false;
function launch(name, script, extraEnv = {}) {
  const child = spawn(tsx, [path.join(root, script)], { cwd: root, env: { ...env, ...extraEnv }, stdio: 'inherit' });
  children.add(child);
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!stopping) {
      log(`${name} stopped (${signal ?? `exit ${code}`}); stopping the platform`);
      stop(code || 1);
    }
  });
  return child;
}

function stop(code = 0) {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  const wait = setInterval(() => {
    if (children.size === 0) {
      clearInterval(wait);
      process.exit(code);
    }
  }, 100);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

// The server hands browsers the SFU's address with each join token: the SFU started below, unless told otherwise.
launch('server', 'server/src/main.ts', {
  PORT: port,
  SFU_PUBLIC_URL: env.SFU_PUBLIC_URL || `ws://127.0.0.1:${sfuPort}/ws`,
  NODE_OPTIONS: [env.NODE_OPTIONS, ...SERVER_NODE_OPTIONS].filter(Boolean).join(' '),
});
log(`platform:  http://127.0.0.1:${port}/   (API /api, DICOMweb /dicom-web, health /healthz)`);
log(`DICOM:     port ${env.DICOM_PORT || '11112'}`);

// On a new machine the worker build takes minutes of both cores: it waits until the server answers, so that
// the web app comes up first.
waitForHealth(`http://127.0.0.1:${port}/healthz`)
  .then(() => ensureWorker({ log: (m) => log(`mediasoup worker: ${m}`) }))
  .then(
  (workerBin) => {
    if (stopping) return;
    launch('sfu', 'sfu/src/main.ts', { SFU_PORT: sfuPort, MEDIASOUP_WORKER_BIN: workerBin });
    log(`SFU:       http://127.0.0.1:${sfuPort}/healthz`);
  },
  (err) => {
    if (!stopping) log(`video consults unavailable: the mediasoup worker could not be built: ${err.message}`);
  },
);
