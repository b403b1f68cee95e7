// Builds the mediasoup C++ worker from the installed npm package, patched for current toolchains, and caches
// the binary outside the repo. mediasoup's own postinstall is disabled (.npmrc ignore-scripts=true) because
// its unpatched sources no longer build with Python >= 3.10 or glibc >= 2.34; the fixes live in sfu/patches/.
//
// This runs before anything is compiled, so it is plain Node ESM with no dependencies.
//
//   node scripts/mediasoup-worker.mjs build [--verbose]   build if needed; last stdout line is the binary path
//   node scripts/mediasoup-worker.mjs path                print the expected path; exit 1 if not built yet
//
// Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/telestroke/mediasoup-worker/<version>-<hash12>/mediasoup-worker, where
// hash12 is the first 12 hex digits of a sha256 over the patch files. A new mediasoup version or a changed patch
// gets a new directory; old ones can be deleted by hand.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SFU_DIR = path.join(REPO_ROOT, 'sfu');
const PATCHES_DIR = path.join(SFU_DIR, 'patches');
const BIN_NAME = 'mediasoup-worker';
const LOCK_POLL_MS = 1000;
// A Release build takes minutes on two cores; a lock older than this belongs to a build that will never finish.
const STALE_LOCK_MS = 60 * 60 * 1000;

const defaultLog = (msg) => process.stderr.write(`[mediasoup-worker] ${msg}\n`);

/** The installed mediasoup package as sfu/ sees it: `{ root, version }`. */
function findMediasoup() {
  const require = createRequire(path.join(SFU_DIR, 'package.json'));
  let pkgJson;
  try {
    pkgJson = require.resolve('mediasoup/package.json');
  } catch {
    throw new Error('the mediasoup package is not installed (resolved from sfu/); run npm install first');
  }
  const { name, version } = JSON.parse(fs.readFileSync(pkgJson, 'utf8'));
  if (name !== 'mediasoup' || typeof version !== 'string') {
    throw new Error(`${pkgJson} does not look like the mediasoup package`);
  }
  return { root: path.dirname(pkgJson), version };
}

/** Patch files in the order they are applied. */
function patchFiles() {
  let names;
  try {
    names = fs.readdirSync(PATCHES_DIR);
  } catch {
    throw new Error(`patch directory ${path.relative(REPO_ROOT, PATCHES_DIR)}/ is missing`);
  }
  return names
    .filter((n) => n.endsWith('.patch'))
    .sort()
    .map((n) => path.join(PATCHES_DIR, n));
}

/** sha256 over each patch's name and content, so renaming, reordering or editing a patch changes the key. */
function patchesHash(files) {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(path.basename(file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function cacheRoot() {
  // The XDG spec says to ignore a relative XDG_CACHE_HOME.
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'telestroke', 'mediasoup-worker');
}

function cacheDir() {
  const { version } = findMediasoup();
  return path.join(cacheRoot(), `${version}-${patchesHash(patchFiles()).slice(0, 12)}`);
}

/**
 * The absolute path the worker binary has once built, whether or not it exists yet. Throws if mediasoup is not
 * installed or sfu/patches/ is missing, since the path depends on both.
 */
export function workerBinPath() {
  return path.join(cacheDir(), BIN_NAME);
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Looks a command up in PATH without running it. */
function which(command) {
  if (command.includes('/')) return isExecutable(command) ? command : null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, command))) return path.join(dir, command);
  }
  return null;
}

/** The first word of $CC/$CXX, since they may carry a wrapper such as `ccache g++`. */
function compilerFromEnv(name, fallback) {
  return (process.env[name] ?? '').trim().split(/\s+/)[0] || fallback;
}

function checkToolchain() {
  // gyp's Makefiles fall back to make's built-in defaults: cc for C and g++ for C++.
  const required = ['python3', 'make', compilerFromEnv('CC', 'cc'), compilerFromEnv('CXX', 'g++')];
  const missing = required.filter((tool) => !which(tool));
  const patcher = which('patch') ? 'patch' : which('git') ? 'git' : null;
  if (!patcher) missing.push('patch (or git)');
  if (missing.length > 0) {
    throw new Error(
      `cannot build ${BIN_NAME}: missing ${missing.join(', ')} in PATH ` +
        '(on Debian: apt-get install python3 make g++ patch)',
    );
  }
  return { patcher };
}

/** What an interrupted build leaves behind: the running build step, the temp tree and the lock file. */
const interrupted = { child: null, paths: new Set() };

function onInterrupt(signal) {
  const pid = interrupted.child?.pid;
  if (pid) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const p of interrupted.paths) fs.rmSync(p, { recursive: true, force: true });
  // Registered with once(): unless the importing script handles the signal itself, re-raising it takes the
  // default action and ends us with the usual status.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function run(command, args, { cwd, env, logFile, verbose }) {
  return new Promise((resolve, reject) => {
    const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
    // A process group of its own lets an interrupt stop make together with every compiler it started.
    const child = spawn(command, args, {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', verbose ? process.stderr : out, verbose ? process.stderr : out],
    });
    interrupted.child = child;
    const done = (err) => {
      interrupted.child = null;
      if (typeof out === 'number') fs.closeSync(out);
      if (err) reject(err);
      else resolve();
    };
    child.on('error', (err) => done(new Error(`${command}: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) done();
      else done(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

async function tail(file, lines) {
  try {
    return (await fsp.readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Takes the per-version build lock. Returns a release function, or null when another process holds the lock
 * (the caller then waits and looks again). The lock only saves a duplicate build: the binary is published by
 * an atomic rename, so even two builds racing past a stolen lock cannot leave a torn file.
 */
async function tryLock(lockFile, log) {
  const owner = JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: Date.now() });
  try {
    await fsp.writeFile(lockFile, owner, { flag: 'wx' });
    return () => fs.rmSync(lockFile, { force: true });
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
  let holder = null;
  try {
    holder = JSON.parse(await fsp.readFile(lockFile, 'utf8'));
  } catch {
    // Unreadable: either just created and not yet written, or torn. Let the mtime decide below.
  }
  const stat = await fsp.stat(lockFile).catch(() => null);
  if (!stat) return null;
  const tooOld = Date.now() - stat.mtimeMs > STALE_LOCK_MS;
  const deadHere = holder?.host === os.hostname() && !isAlive(holder.pid);
  if (tooOld || deadHere) {
    log(`removing stale build lock ${lockFile}`);
    await fsp.rm(lockFile, { force: true });
    return tryLock(lockFile, log);
  }
  return null;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

async function build({ mediasoupRoot, version, patches, dir, log, verbose }) {
  const { patcher } = checkToolchain();
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'telestroke-mediasoup-worker-'));
  const logFile = path.join(tmp, 'build.log');
  interrupted.paths.add(tmp);
  try {
    try {
      await buildIn(tmp, { mediasoupRoot, version, patches, patcher, logFile, log, verbose });
    } catch (err) {
      await fsp.mkdir(dir, { recursive: true });
      const kept = path.join(dir, 'build-failed.log');
      await fsp.copyFile(logFile, kept).catch(() => {});
      const last = verbose ? '' : await tail(logFile, 30);
      throw new Error(`${err.message}\n${last}${last ? '\n' : ''}full log: ${kept}`, { cause: err });
    }
    const built = path.join(tmp, 'worker', 'out', 'Release', BIN_NAME);
    if (!isExecutable(built)) throw new Error(`make succeeded but ${built} was not produced`);
    // Copy under a private name, then rename: readers see either no binary or a complete one.
    const staging = path.join(dir, `.${BIN_NAME}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await fsp.copyFile(built, staging);
      await fsp.chmod(staging, 0o755);
      await fsp.rename(staging, path.join(dir, BIN_NAME));
    } finally {
      await fsp.rm(staging, { force: true });
    }
    await fsp.copyFile(logFile, path.join(dir, 'build.log')).catch(() => {});
    await fsp.rm(path.join(dir, 'build-failed.log'), { force: true });
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
    interrupted.paths.delete(tmp);
  }
}

/** Copies the worker sources into `tmp`, patches them and runs make there. */
async function buildIn(tmp, { mediasoupRoot, version, patches, patcher, logFile, log, verbose }) {
  log(`copying ${path.join(mediasoupRoot, 'worker')} to ${tmp}`);
  // A stray in-place build output would only be copied to be ignored.
  await fsp.cp(path.join(mediasoupRoot, 'worker'), path.join(tmp, 'worker'), {
    recursive: true,
    filter: (src) => src !== path.join(mediasoupRoot, 'worker', 'out'),
  });

  for (const file of patches) {
    log(`applying ${path.relative(REPO_ROOT, file)}`);
    const args =
      patcher === 'patch'
        ? ['-p1', '--forward', '--batch', '-i', file]
        : ['apply', '-p1', '--whitespace=nowarn', file];
    await run(patcher, args, { cwd: tmp, env: process.env, logFile });
  }

  const cores = String(os.availableParallelism?.() ?? os.cpus().length);
  // gcc's temporary files go inside the temp tree too, so an interrupted build leaves nothing in /tmp.
  const ccTmp = path.join(tmp, 'cc-tmp');
  await fsp.mkdir(ccTmp);
  const env = { ...process.env, PYTHON: 'python3', CORES: cores, MEDIASOUP_BUILDTYPE: 'Release', TMPDIR: ccTmp };
  // The worker Makefile silently builds nothing when MEDIASOUP_WORKER_BIN is set, as it is in our test runs.
  delete env.MEDIASOUP_WORKER_BIN;
  delete env.MEDIASOUP_OUT_DIR;
  log(
    `building ${BIN_NAME} ${version} with ${cores} job(s); this takes minutes` +
      (verbose ? '' : ` (output: ${logFile}, or pass --verbose)`),
  );
  const started = Date.now();
  await run('make', ['-C', path.join(tmp, 'worker')], { cwd: tmp, env, logFile, verbose });
  log(`built in ${Math.round((Date.now() - started) / 1000)} s`);
}

let pending = null;

/**
 * Returns the absolute path of the worker binary, building it first if it is not cached.
 * `log` receives progress lines (default: stderr). `verbose` streams make's output to stderr instead of
 * a log file.
 */
export async function ensureWorker({ log = defaultLog, verbose = false } = {}) {
  pending ??= ensureWorkerOnce({ log, verbose }).finally(() => {
    pending = null;
  });
  return pending;
}

async function ensureWorkerOnce({ log, verbose }) {
  const { root: mediasoupRoot, version } = findMediasoup();
  const patches = patchFiles();
  const dir = cacheDir();
  const bin = path.join(dir, BIN_NAME);
  if (isExecutable(bin)) return bin;

  await fsp.mkdir(dir, { recursive: true });
  const lockFile = path.join(dir, 'build.lock');
  let waiting = false;
  for (;;) {
    if (isExecutable(bin)) return bin;
    const release = await tryLock(lockFile, log);
    if (release) {
      interrupted.paths.add(lockFile);
      process.once('SIGINT', onInterrupt);
      process.once('SIGTERM', onInterrupt);
      try {
        // Another process may have finished between our check and taking the lock.
        if (!isExecutable(bin)) await build({ mediasoupRoot, version, patches, dir, log, verbose });
      } finally {
        process.off('SIGINT', onInterrupt);
        process.off('SIGTERM', onInterrupt);
        interrupted.paths.delete(lockFile);
        release();
      }
      return bin;
    }
    if (!waiting) {
      log(`another process is building ${BIN_NAME} (${lockFile}); waiting`);
      waiting = true;
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

async function cli(argv) {
  const [command, ...flags] = argv;
  switch (command) {
    case 'build': {
      const bin = await ensureWorker({ verbose: flags.includes('--verbose') });
      process.stdout.write(`${bin}\n`);
      return 0;
    }
    case 'path': {
      const bin = workerBinPath();
      process.stdout.write(`${bin}\n`);
      if (isExecutable(bin)) return 0;
      defaultLog('not built yet; run: node scripts/mediasoup-worker.mjs build');
      return 1;
    }
    default:
      process.stderr.write('usage: node scripts/mediasoup-worker.mjs build [--verbose] | path\n');
      return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      defaultLog(`error: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
