import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isDicomUid } from '@telestroke/shared';

/**
 * The DICOM files, one per instance, under `root`. A file is written to a temporary name, flushed to disk,
 * renamed into place and its directory flushed: once `writeAtomic` resolves, a crash cannot lose it or leave
 * it half-written. Paths are built only from validated UIDs, so no input can point outside `root`.
 */
export class DicomStorage {
  readonly root: string;
  readonly #tmp: string;
  #knownDirs = new Set<string>();
  readonly #dirSyncs = new Map<string, DirSync>();

  private constructor(root: string) {
    this.root = root;
    this.#tmp = path.join(root, '.tmp');
  }

  static async create(root: string): Promise<DicomStorage> {
    const storage = new DicomStorage(path.resolve(root));
    await mkdir(storage.#tmp, { recursive: true });
    return storage;
  }

  /**
   * Run once at start, before any write: each file left in .tmp is a write whose commit may not have happened. Its
   * name says where it was linked; that link goes unless a row (per `committed`) points at it.
   */
  async recover(committed: (relativePath: string) => Promise<boolean>): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.#tmp)) {
      const rel = name.includes('+') ? name.slice(0, name.lastIndexOf('~')).split('+').join(path.sep) : null;
      if (rel && !(await committed(rel))) {
        await rm(this.absolute(rel), { force: true });
        removed += 1;
      }
      await rm(path.join(this.#tmp, name), { force: true });
    }
    return removed;
  }

  /**
   * Writes the file and links it into place, keeping its temporary name until `settle()`: until then a crash leaves a
   * trace in .tmp that `recover()` follows. Returns whether this call created the file (false: it was there).
   * The file's data and its entry in its directory are flushed; the trace is not, since it only serves to clean up
   * after a killed process (whose writes the kernel keeps): after a power cut, an uncommitted file may stay behind,
   * unreferenced, which costs space but never a stored instance.
   */
  async writePending(relativePath: string, data: Buffer): Promise<{ tmp: string; created: boolean }> {
    const target = this.absolute(relativePath);
    const dir = path.dirname(target);
    await this.#ensureDir(dir);
    const tmp = path.join(this.#tmp, `${relativePath.split(path.sep).join('+')}~${randomBytes(6).toString('hex')}`);
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    let created = true;
    try {
      await link(tmp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        await rm(tmp, { force: true });
        throw err;
      }
      created = false;
    }
    await this.#syncDir(dir);
    return { tmp, created };
  }

  async settle(pending: { tmp: string }): Promise<void> {
    await unlink(pending.tmp).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Idempotent; nothing to release today, kept for the lifecycle convention. */
  async close(): Promise<void> {}

  /** `<study>/<series>/<sop>-<hash prefix>.dcm`: two different contents for one UID never share a file. */
  relativePath(studyUid: string, seriesUid: string, sopUid: string, sha256: string): string {
    for (const uid of [studyUid, seriesUid, sopUid]) {
      if (!isDicomUid(uid)) throw new Error(`refusing a path from an invalid UID`);
    }
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('refusing a path from an invalid hash');
    return path.join(studyUid, seriesUid, `${sopUid}-${sha256.slice(0, 16)}.dcm`);
  }

  absolute(relativePath: string): string {
    const abs = path.resolve(this.root, relativePath);
    if (!abs.startsWith(this.root + path.sep)) throw new Error('path outside the storage root');
    return abs;
  }

  async writeAtomic(relativePath: string, data: Buffer): Promise<void> {
    const target = this.absolute(relativePath);
    const dir = path.dirname(target);
    await this.#ensureDir(dir);
    const tmp = path.join(this.#tmp, randomBytes(12).toString('hex'));
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await this.#syncDir(dir);
  }

  read(relativePath: string): Promise<Buffer> {
    return readFile(this.absolute(relativePath));
  }

  async remove(relativePath: string): Promise<void> {
    await rm(this.absolute(relativePath), { force: true });
  }

  async #syncDir(dir: string): Promise<void> {
    let sync = this.#dirSyncs.get(dir);
    if (!sync) this.#dirSyncs.set(dir, (sync = new DirSync(dir)));
    try {
      await sync.request();
    } finally {
      if (sync.idle) this.#dirSyncs.delete(dir);
    }
  }

  /** Creates missing directories and flushes each new entry into its parent, so the path survives a crash. */
  async #ensureDir(dir: string): Promise<void> {
    if (this.#knownDirs.has(dir)) return;
    const missing: string[] = [];
    for (let d = dir; d !== this.root && d.startsWith(this.root); d = path.dirname(d)) missing.unshift(d);
    for (const d of missing) {
      try {
        await mkdir(d);
        await this.#syncDir(path.dirname(d));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    this.#knownDirs.add(dir);
  }
}

/**
 * Flushes one directory for every caller, however many ask at once: the instances of a series land in the same
 * directory, and each would otherwise wait for its own flush behind the others'. A caller that arrives during a
 * flush may have linked its file after that flush began, so it waits for the next one, which starts when the
 * running one ends and serves everyone who arrived meanwhile.
 */
class DirSync {
  #running: Promise<void> | null = null;
  #next: Promise<void> | null = null;

  constructor(readonly dir: string) {}

  /** Resolves once a flush that began after this call has completed. */
  request(): Promise<void> {
    if (!this.#running) return (this.#running = this.#flush());
    this.#next ??= this.#running.catch(() => undefined).then(() => {
      this.#next = null;
      return (this.#running = this.#flush());
    });
    return this.#next;
  }

  get idle(): boolean {
    return !this.#running && !this.#next;
  }

  async #flush(): Promise<void> {
    try {
      await syncDir(this.dir);
    } finally {
      this.#running = null;
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
