import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../e2e/process';

const ORTHANC_BIN = '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export interface OrthancPeerOptions {
  /** Orthanc's own AE title. Default ORTHANC. */
  aet?: string;
  /** DICOMweb servers Orthanc may send to and query, by name. */
  dicomWebServers?: Record<string, { url: string; headers?: Record<string, string> }>;
  /** DICOM peers Orthanc accepts C-STORE from and sends to, by name. */
  modalities?: Record<string, { aet: string; host: string; port: number }>;
  /** Extra configuration keys. */
  extra?: Record<string, unknown>;
}

/**
 * Debian's Orthanc 1.10 with its DICOMweb plugin, as a real peer: a remote centre's gateway in the round-trip
 * tests and the reference in the benchmarks. It runs in a temporary directory with its own storage. Orthanc
 * 1.10 cannot bind to loopback only: RemoteAccessAllowed=false refuses non-local HTTP clients, and C-STORE is
 * accepted only from the declared modalities on 127.0.0.1.
 */
export class OrthancPeer {
  readonly url: string;
  readonly dicomPort: number;
  readonly aet: string;
  readonly #child: ChildProcess;
  readonly #dir: string;
  #log = '';
  #closed = false;

  private constructor(child: ChildProcess, dir: string, url: string, dicomPort: number, aet: string) {
    this.#child = child;
    this.#dir = dir;
    this.url = url;
    this.dicomPort = dicomPort;
    this.aet = aet;
    child.stdout?.on('data', (d) => (this.#log += d));
    child.stderr?.on('data', (d) => (this.#log += d));
  }

  static async create(options: OrthancPeerOptions = {}): Promise<OrthancPeer> {
    for (const f of [ORTHANC_BIN, DICOMWEB_PLUGIN]) {
      if (!existsSync(f)) throw new Error(`${f} is missing: install the Debian packages orthanc and orthanc-dicomweb`);
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'telestroke-orthanc-'));
    const httpPort = await freePort();
    const dicomPort = await freePort();
    const aet = options.aet ?? 'ORTHANC';
    const config = {
      Name: 'telestroke-test-peer',
      StorageDirectory: path.join(dir, 'storage'),
      IndexDirectory: path.join(dir, 'index'),
      HttpPort: httpPort,
      DicomPort: dicomPort,
      DicomAet: aet,
      RemoteAccessAllowed: false,
      AuthenticationEnabled: false,
      DicomAlwaysAllowStore: false,
      DicomCheckModalityHost: true,
      SaveJobs: false,
      Plugins: [DICOMWEB_PLUGIN],
      DicomModalities: Object.fromEntries(
        Object.entries(options.modalities ?? {}).map(([name, m]) => [name, [m.aet, m.host, m.port]]),
      ),
      DicomWeb: {
        Enable: true,
        Root: '/dicom-web/',
        EnableWado: true,
        WadoRoot: '/wado',
        Servers: Object.fromEntries(
          Object.entries(options.dicomWebServers ?? {}).map(([name, s]) => [
            name,
            { Url: s.url.endsWith('/') ? s.url : `${s.url}/`, HttpHeaders: s.headers ?? {} },
          ]),
        ),
      },
      ...options.extra,
    };
    const configFile = path.join(dir, 'orthanc.json');
    await writeFile(configFile, JSON.stringify(config, null, 2));
    const child = spawn(ORTHANC_BIN, [configFile], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const peer = new OrthancPeer(child, dir, `http://127.0.0.1:${httpPort}`, dicomPort, aet);
    const started = Date.now();
    for (;;) {
      try {
        if ((await fetch(`${peer.url}/system`)).ok) return peer;
      } catch {
        // Not up yet.
      }
      if (child.exitCode !== null || Date.now() - started > 30_000) {
        const log = peer.#log;
        await peer.close();
        throw new Error(`Orthanc did not start:\n${log.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  get log(): string {
    return this.#log;
  }

  /** Orthanc's REST API: JSON in and out, or a DICOM file in. */
  async rest<T = any>(method: string, urlPath: string, body?: unknown): Promise<T> {
    const binary = body instanceof Uint8Array;
    const res = await fetch(this.url + urlPath, {
      method,
      headers: body === undefined ? {} : { 'content-type': binary ? 'application/dicom' : 'application/json' },
      body: body === undefined ? undefined : binary || typeof body === 'string' ? (body as Uint8Array | string) : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Orthanc ${method} ${urlPath}: ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#child.exitCode === null) {
      const exited = new Promise((r) => this.#child.once('exit', r));
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.#dir, { recursive: true, force: true });
  }
}
