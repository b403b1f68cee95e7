import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { isDicomUid } from '@telestroke/shared';

/**
 * The DICOM files, one per instance, under `root`. The ingest threads (ingest.worker.mjs) write a file to a
 * temporary name in .tmp, flush it, link it into place and flush its directory: once that is done, a crash cannot lose
 * it or leave it half-written, and its name never shows a partial file. Paths are built only from validated UIDs, so
 * no input can point outside `root`.
 */
export class DicomStorage {
  readonly root: string;
  readonly #tmp: string;

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

  /** Idempotent; nothing to release today, kept for the lifecycle convention. */
  async close(): Promise<void> {}

  /**
   * `<study>/<series>`, the directory of a series' files; the ingest threads name each file
   * `<sop>-<hash prefix>.dcm`, so that two different contents for one UID never share a file.
   */
  instanceDir(studyUid: string, seriesUid: string, sopUid: string): string {
    for (const uid of [studyUid, seriesUid, sopUid]) {
      if (!isDicomUid(uid)) throw new Error(`refusing a path from an invalid UID`);
    }
    return path.join(studyUid, seriesUid);
  }

  absolute(relativePath: string): string {
    const abs = path.resolve(this.root, relativePath);
    if (!abs.startsWith(this.root + path.sep)) throw new Error('path outside the storage root');
    return abs;
  }

  read(relativePath: string): Promise<Buffer> {
    return readFile(this.absolute(relativePath));
  }

  async remove(relativePath: string): Promise<void> {
    await rm(this.absolute(relativePath), { force: true });
  }
}
