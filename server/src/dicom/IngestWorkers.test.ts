import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { IngestWorkers } from './IngestWorkers';

let root: string;
const log = createLogger('silent');

function instanceBytes(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'telestroke-ingest-threads-'));
  await mkdir(path.join(root, '.tmp'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('IngestWorkers', () => {
  it('write() with handOver moves the memory to the thread without a copy and writes the file, its trace kept until settle()', async () => {
    const workers = await IngestWorkers.create({ root, log });
    try {
      const original = instanceBytes(300_000, 1);
      const bytes = Buffer.from(original);
      const result = await workers.write(bytes, { dir: '1.2.3/1.2.3.4', sopInstanceUid: '1.2.3.4.5', datasetOffset: 200 }, true);
      // Moved, not copied: the caller's view is detached.
      expect(bytes.length).toBe(0);
      expect(result.kind).toBe('written');
      if (result.kind !== 'written') return;
      expect(result.sha256).toBe(createHash('sha256').update(original.subarray(200)).digest('hex'));
      expect(result.relativePath).toBe(path.join('1.2.3/1.2.3.4', `1.2.3.4.5-${result.sha256.slice(0, 16)}.dcm`));
      expect(result.created).toBe(true);
      expect((await readFile(path.join(root, result.relativePath))).equals(original)).toBe(true);
      expect(await readdir(path.join(root, '.tmp'))).toEqual([path.basename(result.tmp)]);
      workers.settle(result.tmp);
      await expect.poll(() => readdir(path.join(root, '.tmp')), { timeout: 5000 }).toEqual([]);
    } finally {
      await workers.close();
    }
  });

  it('write() without handOver copies: the caller keeps its bytes, and the same content again is not created twice', async () => {
    const workers = await IngestWorkers.create({ root, log });
    try {
      const bytes = instanceBytes(100_000, 2);
      const target = { dir: '1.2.3/1.2.3.6', sopInstanceUid: '1.2.3.6.7', datasetOffset: 0 };
      const first = await workers.write(bytes, target, false);
      expect(bytes.length).toBe(100_000);
      expect(bytes.equals(instanceBytes(100_000, 2))).toBe(true);
      const second = await workers.write(bytes, target, false);
      expect(first.kind === 'written' && first.created).toBe(true);
      expect(second.kind === 'written' && !second.created).toBe(true);
    } finally {
      await workers.close();
    }
  });

  it('write() that cannot create its directory fails with the error code and leaves nothing behind', async () => {
    const workers = await IngestWorkers.create({ root, log });
    try {
      // A file where the study's directory should be.
      await writeFile(path.join(root, '9.9.9'), 'not a directory');
      const result = await workers.write(instanceBytes(1000, 3), { dir: '9.9.9/9.9.9.1', sopInstanceUid: '9.9.9.1.1', datasetOffset: 0 }, true);
      expect(result).toEqual({ kind: 'failed', code: 'ENOTDIR', name: 'Error' });
      expect((await readdir(path.join(root, '.tmp'))).filter((n) => n.startsWith('9.9.9'))).toEqual([]);
    } finally {
      await workers.close();
    }
  });

  it('close() answers work still waiting with CLOSED, and a second close() does nothing', async () => {
    const workers = await IngestWorkers.create({ root, log });
    const pending = workers.write(instanceBytes(1000, 4), { dir: '1.2.3/1.2.3.8', sopInstanceUid: '1.2.3.8.1', datasetOffset: 0 }, false);
    await workers.close();
    await workers.close();
    expect(await pending).toEqual({ kind: 'failed', code: 'CLOSED', name: 'Error' });
    expect(await workers.write(instanceBytes(10, 5), { dir: 'x', sopInstanceUid: '1.2', datasetOffset: 0 }, false)).toEqual({
      kind: 'failed',
      code: 'CLOSED',
      name: 'Error',
    });
  });

  it('write() on a thread that dies fails as THREAD_EXITED, and the next write() starts a new thread and succeeds', async () => {
    // A thread that ends at its first start, then a real one: stands for a thread killed by a crash.
    const entry = path.join(root, 'dies-once.mjs');
    const real = new URL('./ingest.worker.mjs', import.meta.url).href;
    await writeFile(
      entry,
      `import { existsSync, writeFileSync } from 'node:fs';
       import { workerData } from 'node:worker_threads';
       const marker = workerData.root + '/died-once';
       if (!existsSync(marker)) { writeFileSync(marker, ''); process.exit(1); }
       await import(${JSON.stringify(real)});`,
    );
    const workers = await IngestWorkers.create({ root, log, threads: 1, entry: new URL(`file://${entry}`) });
    try {
      const target = { dir: '1.2.3/1.2.3.9', sopInstanceUid: '1.2.3.9.1', datasetOffset: 0 };
      expect(await workers.write(instanceBytes(1000, 6), target, false)).toEqual({ kind: 'failed', code: 'THREAD_EXITED', name: 'Error' });
      const second = await workers.write(instanceBytes(1000, 6), target, false);
      expect(second.kind).toBe('written');
    } finally {
      await workers.close();
    }
  });
});
