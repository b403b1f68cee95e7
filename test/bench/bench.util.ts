import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { execFileSync } from 'node:child_process';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

/** A line describing the machine, for the benchmark record. */
export function describeMachine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  let disk = '';
  try {
    disk = execFileSync('df', ['-h', os.tmpdir()], { encoding: 'utf8' }).split('\n')[1]?.split(/\s+/)[0] ?? '';
  } catch {
    // df is informative only.
  }
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ` +
    `${os.type()} ${os.release()}${disk ? `, temp dir on ${disk}` : ''}`;
}

/** Replaces the section between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in docs/benchmarks.md. */
export async function recordSection(file: string, name: string, markdown: string): Promise<void> {
  let doc = '';
  try {
    doc = await readFile(file, 'utf8');
  } catch {
    doc = '# Benchmarks\n\nMeasured by `npm run bench:*` scripts, side by side with the named peer in the same run. ' +
      'The machines are noisy: figures are medians, and comparisons are ratios.\n';
  }
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  await writeFile(file, doc);
}
