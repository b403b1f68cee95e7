import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { inflateRawSync } from 'node:zlib';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudyEvent } from '@telestroke/shared';
import { createLogger } from '../../logger';
import { findSiteByCode } from '../../sites/site.repository';
import { startTestServer, type TestServer } from '../../testing';
import { datasetOffsetOf } from '../part10';
import { writeStudy, type WrittenStudy } from '../synthetic/synthetic';
import { CStoreScp } from './CStoreScp';
import { dimse, IMPLEMENTATION_CLASS_UID } from './dimse';

const CORPUS = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const AET = 'TELESTROKE';
const DEFLATED = '1.2.840.10008.1.2.1.99';

interface ToolRun {
  code: number;
  /** stdout and stderr together: dcmtk logs to stderr. */
  out: string;
}

/** Runs a dcmtk tool; a non-zero exit is a result to assert on, not an exception. */
function dcmtk(tool: string, args: string[]): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? (err.code as number) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/** storescu from MACON_CT, verbose, going on after a failed instance (-nh); `extra` adds options. */
function storescu(port: number, files: string[], extra: string[] = []): Promise<ToolRun> {
  return dcmtk('storescu', ['-v', '-nh', ...extra, '-aet', 'MACON_CT', '-aec', AET, '127.0.0.1', String(port), ...files]);
}

/** The data set of a Part 10 file: everything after the file meta information. */
function datasetOf(file: Buffer): Buffer {
  return file.subarray(datasetOffsetOf(file));
}

async function instanceRows(): Promise<Array<{ sop_instance_uid: string; received_via: string }>> {
  const { rows } = await t.server.db.query<{ sop_instance_uid: string; received_via: string }>(
    'SELECT sop_instance_uid, received_via FROM dicom_instances',
  );
  return rows;
}

async function storedFile(sopInstanceUid: string): Promise<Buffer> {
  const { rows } = await t.server.db.query<{ file_path: string }>(
    'SELECT file_path FROM dicom_instances WHERE sop_instance_uid = $1',
    [sopInstanceUid],
  );
  if (!rows[0]) throw new Error(`instance ${sopInstanceUid} is not stored`);
  return readFile(t.server.imaging.storage.absolute(rows[0].file_path));
}

let dumps = 0;

/** The given tags of a Part 10 file as dcmdump prints them: dcmtk, not our parser, reads what we wrote. */
async function dumpTags(bytes: Buffer, tags: string[]): Promise<string> {
  const file = path.join(tmp, `dump-${dumps++}.dcm`);
  await writeFile(file, bytes);
  const run = await dcmtk('dcmdump', ['-q', ...tags.flatMap((tag) => ['+P', tag]), file]);
  expect(run.code).toBe(0);
  return run.out;
}

/** SOP Instance UID of a Part 10 file, read with dcmdump so that the test does not trust our own parser. */
async function sopInstanceUidOf(file: string): Promise<string> {
  const { out } = await dcmtk('dcmdump', ['-q', '+P', '0008,0018', file]);
  const match = /\[([0-9.]+)\]/.exec(out);
  if (!match) throw new Error(`no SOP Instance UID in ${file}`);
  return match[1]!;
}

let t: TestServer;
let port: number;
let tmp: string;

beforeAll(async () => {
  // 1 MiB: the 512×512 synthetic slices fit, a 1024×1024 one does not.
  t = await startTestServer({ DICOM_MAX_INSTANCE_MB: '1' });
  port = t.server.scp.port;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'telestroke-scp-'));
});

afterAll(async () => {
  await t?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('C-ECHO and association negotiation with dcmtk echoscu', () => {
  it('echoscu from a registered calling AE title: association accepted, C-ECHO answers success', async () => {
    const run = await dcmtk('echoscu', ['-v', '-aet', 'NEVERS_CT', '-aec', AET, '127.0.0.1', String(port)]);
    expect(run.out).toContain('Association Accepted');
    expect(run.out).toContain('Received Echo Response (Success)');
    expect(run.code).toBe(0);
  });

  it('echoscu from an unknown calling AE title: association rejected permanent, calling-AE-title-not-recognized', async () => {
    const run = await dcmtk('echoscu', ['-v', '-aet', 'INTRUDER', '-aec', AET, '127.0.0.1', String(port)]);
    expect(run.code).not.toBe(0);
    expect(run.out).toContain('Association Rejected');
    expect(run.out).toContain('Rejected Permanent');
    expect(run.out).toContain('Source: Service User');
    expect(run.out).toContain('Calling AE Title Not Recognized');
  });

  it('echoscu calling another AE title than ours: association rejected, called-AE-title-not-recognized', async () => {
    const run = await dcmtk('echoscu', ['-v', '-aet', 'MACON_CT', '-aec', 'ORTHANC', '127.0.0.1', String(port)]);
    expect(run.code).not.toBe(0);
    expect(run.out).toContain('Called AE Title Not Recognized');
  });
});

describe('C-STORE with dcmtk storescu', () => {
  let study: WrittenStudy;

  beforeAll(async () => {
    study = await writeStudy(path.join(tmp, 'ct'), { slices: 20, seed: 7 });
  });

  it('storescu of a 20-slice synthetic CT: every instance stored via cstore, data sets byte-identical, arrival event and one audit entry', async () => {
    const events: StudyEvent[] = [];
    const unsubscribe = t.server.imaging.bus.subscribe('study.arriving', (e) => events.push(e));
    const run = await storescu(port, study.files.map((f) => f.path));
    unsubscribe();
    expect(run.code).toBe(0);
    expect(run.out.match(/Received Store Response \(Success\)/g)).toHaveLength(20);

    const rows = await instanceRows();
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((r) => r.received_via))).toEqual(new Set(['cstore']));
    for (const f of study.files) {
      const sent = datasetOf(await readFile(f.path));
      const stored = await storedFile(f.sopInstanceUid);
      expect(datasetOf(stored).equals(sent), `data set of instance ${f.instanceNumber}`).toBe(true);
    }

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'study.arriving', studyInstanceUid: study.studyInstanceUid, siteCode: 'MACON' });

    const macon = await findSiteByCode(t.server.db, 'MACON');
    const { rows: audit } = await t.server.db.query<{ site_id: string; details: Record<string, unknown> }>(
      `SELECT site_id, details FROM audit_log WHERE action = 'dicom.cstore' AND details->>'stored' = '20'`,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]!.site_id).toBe(macon!.id);
    expect(audit[0]!.details).toMatchObject({ callingAeTitle: 'MACON_CT', calledAeTitle: AET, end: 'released', stored: 20, failed: 0 });
  });

  it('storescu of the same files again: success for each, no new rows (duplicates)', async () => {
    const run = await storescu(port, study.files.map((f) => f.path));
    expect(run.code).toBe(0);
    expect(run.out.match(/Received Store Response \(Success\)/g)).toHaveLength(20);
    expect(await instanceRows()).toHaveLength(20);
    const { rows } = await t.server.db.query(`SELECT 1 FROM audit_log WHERE action = 'dicom.cstore' AND details->>'duplicates' = '20'`);
    expect(rows).toHaveLength(1);
  });

  it('stored file of a C-STORE: its file meta names the negotiated syntax, the SOP UIDs, the calling AE and our implementation', async () => {
    const f = study.files[0]!;
    const meta = await dumpTags(await storedFile(f.sopInstanceUid), ['0002,0002', '0002,0003', '0002,0010', '0002,0012', '0002,0016']);
    expect(meta).toContain('=CTImageStorage');
    expect(meta).toContain(`[${f.sopInstanceUid}]`);
    expect(meta).toContain('=LittleEndianExplicit');
    expect(meta).toContain(`[${IMPLEMENTATION_CLASS_UID}]`);
    expect(meta).toContain('[MACON_CT]');
  });

  it('storescu proposing compressed syntaxes: JPEG, JPEG-LS, JPEG 2000, RLE and deflate instances are stored in the syntax they were sent in', async () => {
    // The MR_small files are one instance in several encodings: new SOP Instance UIDs make them distinct instances.
    const cases = [
      { file: '693_J2KI.dcm', propose: '-xw', syntax: '1.2.840.10008.1.2.4.91' },
      { file: 'MR_small_jp2klossless.dcm', propose: '-xv', syntax: '1.2.840.10008.1.2.4.90' },
      { file: 'MR_small_jpeg_ls_lossless.dcm', propose: '-xt', syntax: '1.2.840.10008.1.2.4.80' },
      { file: 'MR_small_RLE.dcm', propose: '-xr', syntax: '1.2.840.10008.1.2.5' },
      { file: 'SC_rgb_jpeg_dcmtk.dcm', propose: '-xy', syntax: '1.2.840.10008.1.2.4.50' },
      { file: 'JPGExtended.dcm', propose: '-xx', syntax: '1.2.840.10008.1.2.4.51' },
      { file: 'SC_rgb_jpeg_gdcm.dcm', propose: '-xs', syntax: '1.2.840.10008.1.2.4.70' },
      { file: 'image_dfl.dcm', propose: '-xd', syntax: DEFLATED },
    ];
    const dir = path.join(tmp, 'compressed');
    await mkdir(dir, { recursive: true });
    for (const c of cases) {
      const file = path.join(dir, c.file);
      await copyFile(path.join(CORPUS, c.file), file);
      expect((await dcmtk('dcmodify', ['-q', '-nb', '-gin', file])).code).toBe(0);
      const run = await storescu(port, [file], [c.propose]);
      expect(run.out, c.file).toContain('Received Store Response (Success)');
      const uid = await sopInstanceUidOf(file);
      const { rows } = await t.server.db.query<{ transfer_syntax_uid: string }>(
        'SELECT transfer_syntax_uid FROM dicom_instances WHERE sop_instance_uid = $1',
        [uid],
      );
      expect(rows[0]?.transfer_syntax_uid, c.file).toBe(c.syntax);
      const stored = await storedFile(uid);
      const sent = datasetOf(await readFile(file));
      if (c.syntax === DEFLATED) {
        // storescu deflates the data set again on the wire: the stored bytes are what it sent, and inflate to the file's.
        expect(inflateRawSync(datasetOf(stored)).equals(inflateRawSync(sent)), `${c.file} inflated data set`).toBe(true);
      } else {
        expect(datasetOf(stored).equals(sent), `${c.file} data set as sent`).toBe(true);
      }
      expect(await dumpTags(stored, ['0002,0010']), c.file).toContain(`(0002,0010) UI =`);
    }
  });

  it('storescu of an SR and an RT plan: presentation contexts rejected, storescu reports no context, nothing stored', async () => {
    const before = (await instanceRows()).length;
    const run = await storescu(port, [path.join(CORPUS, 'test-SR.dcm'), path.join(CORPUS, 'rtplan.dcm')]);
    expect(run.out).toContain('No presentation context for: (SRc) 1.2.840.10008.5.1.4.1.1.88.33');
    expect(run.out).toContain('No presentation context for: (RP) 1.2.840.10008.5.1.4.1.1.481.5');
    expect(run.out).not.toContain('Received Store Response');
    expect((await instanceRows()).length).toBe(before);
  });

  it('storescu of an instance over DICOM_MAX_INSTANCE_MB: refused 0xA700 out of resources, nothing stored', async () => {
    const big = await writeStudy(path.join(tmp, 'big'), { slices: 1, rows: 1024, columns: 1024 });
    const run = await storescu(port, [big.files[0]!.path]);
    expect(run.out).toContain('Received Store Response (Refused: OutOfResources)');
    const { rows } = await t.server.db.query('SELECT 1 FROM dicom_instances WHERE sop_instance_uid = $1', [big.files[0]!.sopInstanceUid]);
    expect(rows).toHaveLength(0);
  });

  it('storescu of a stored SOP Instance UID with other content: refused 0xA900, the first instance kept', async () => {
    const f = study.files[1]!;
    const changed = path.join(tmp, 'changed.dcm');
    await copyFile(f.path, changed);
    expect((await dcmtk('dcmodify', ['-q', '-nb', '-i', '(0020,4000)=changed', changed])).code).toBe(0);
    const before = await storedFile(f.sopInstanceUid);
    const run = await storescu(port, [changed]);
    expect(run.out).toContain('Received Store Response (Error: DataSetDoesNotMatchSOPClass)');
    expect((await storedFile(f.sopInstanceUid)).equals(before)).toBe(true);
  });
});

describe('C-STORE with the dcmjs-dimse client', () => {
  it('C-STORE whose data set is of another SOP class than the request: refused 0xA900, nothing stored', async () => {
    const study = await writeStudy(path.join(tmp, 'mismatch'), { slices: 1, rows: 64, columns: 64 });
    const dataset = dimse.Dataset.fromFile(study.files[0]!.path)!;
    const request = new dimse.requests.CStoreRequest(dataset);
    request.setAffectedSopClassUid('1.2.840.10008.5.1.4.1.1.4'); // MR Image Storage; the data set is a CT
    const client = new dimse.Client();
    const statuses: number[] = [];
    request.on('response', (response: InstanceType<typeof dimse.responses.CStoreResponse>) => statuses.push(response.getStatus()));
    client.addRequest(request);
    const closed = new Promise<void>((resolve, reject) => {
      client.on('closed', () => resolve());
      client.on('networkError', (err: Error) => reject(err));
    });
    client.send('127.0.0.1', port, 'MACON_CT', AET);
    await closed;
    expect(statuses).toEqual([0xa900]);
    const { rows } = await t.server.db.query('SELECT 1 FROM dicom_instances WHERE sop_instance_uid = $1', [study.files[0]!.sopInstanceUid]);
    expect(rows).toHaveLength(0);
  });
});

/** A minimal DICOM upper layer peer that writes PDUs by hand, to hold associations open and to misbehave. */
class RawPeer {
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  #buffer = Buffer.alloc(0);
  #waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      for (const w of this.#waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static async connect(port: number): Promise<RawPeer> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawPeer(socket);
  }

  /** The next whole PDU from the SCP, or null if the connection closes first. */
  async nextPdu(): Promise<Buffer | null> {
    for (;;) {
      if (this.#buffer.length >= 6) {
        const total = 6 + this.#buffer.readUInt32BE(2);
        if (this.#buffer.length >= total) {
          const pdu = this.#buffer.subarray(0, total);
          this.#buffer = this.#buffer.subarray(total);
          return pdu;
        }
      }
      if (this.socket.destroyed || this.socket.readableEnded) return null;
      const more = new Promise<void>((resolve) => this.#waiters.push(resolve));
      await Promise.race([more, this.closed]);
      if (this.socket.destroyed && this.#buffer.length < 6) return null;
    }
  }

  /** Sends an A-ASSOCIATE-RQ proposing Verification, and returns the type of the answer (2 accept, 3 reject). */
  async associate(callingAeTitle: string): Promise<number | undefined> {
    this.socket.write(associateRequest(callingAeTitle, AET));
    return (await this.nextPdu())?.[0];
  }
}

function pduItem(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = type;
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([head, body]);
}

/** PS3.8 9.3.2: A-ASSOCIATE-RQ with one presentation context, Verification in implicit VR little endian. */
function associateRequest(calling: string, called: string): Buffer {
  const ae = (title: string) => Buffer.from(title.padEnd(16, ' '), 'latin1');
  const uid = (type: number, value: string) => pduItem(type, Buffer.from(value, 'latin1'));
  const context = pduItem(
    0x20,
    Buffer.concat([Buffer.from([1, 0, 0, 0]), uid(0x30, '1.2.840.10008.1.1'), uid(0x40, '1.2.840.10008.1.2')]),
  );
  const maxLength = Buffer.alloc(4);
  maxLength.writeUInt32BE(16384);
  const userInfo = pduItem(0x50, Buffer.concat([pduItem(0x51, maxLength), uid(0x52, '1.2.3.4')]));
  const body = Buffer.concat([
    Buffer.from([0, 1, 0, 0]),
    ae(called),
    ae(calling),
    Buffer.alloc(32),
    uid(0x10, '1.2.840.10008.3.1.1.1'),
    context,
    userInfo,
  ]);
  const head = Buffer.alloc(6);
  head[0] = 0x01;
  head.writeUInt32BE(body.length, 2);
  return Buffer.concat([head, body]);
}

const A_RELEASE_RQ = Buffer.from([0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0]);

describe('CStoreScp limits and shutdown', () => {
  let scp: CStoreScp;

  beforeAll(async () => {
    scp = await CStoreScp.create({
      db: t.server.db,
      imaging: t.server.imaging,
      log: createLogger('silent'),
      aeTitle: AET,
      host: '127.0.0.1',
      port: 0,
      maxAssociations: 1,
      maxPduLength: 16384,
    });
  });

  afterAll(async () => {
    await scp?.close();
  });

  it('an association past maxAssociations: echoscu rejected transient, local-limit-exceeded; accepted once the first is released', async () => {
    const holder = await RawPeer.connect(scp.port);
    expect(await holder.associate('MACON_CT')).toBe(0x02);
    const refused = await dcmtk('echoscu', ['-v', '-aet', 'MACON_CT', '-aec', AET, '127.0.0.1', String(scp.port)]);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('Rejected Transient');
    expect(refused.out).toContain('Local Limit Exceeded');

    holder.socket.write(A_RELEASE_RQ);
    expect((await holder.nextPdu())?.[0]).toBe(0x06);
    holder.socket.end();
    // The slot is given back before the A-RELEASE-RP is sent.
    const echo = await dcmtk('echoscu', ['-aet', 'MACON_CT', '-aec', AET, '127.0.0.1', String(scp.port)]);
    expect(echo.code).toBe(0);
  });

  it('a P-DATA-TF PDU longer than maxPduLength: A-ABORT (service provider, invalid PDU parameter), connection closed', async () => {
    const peer = await RawPeer.connect(scp.port);
    expect(await peer.associate('MACON_CT')).toBe(0x02);
    const header = Buffer.from([0x04, 0, 0, 0, 0, 0]);
    header.writeUInt32BE(1 << 30, 2);
    peer.socket.write(Buffer.concat([header, Buffer.alloc(64 * 1024)]));
    expect(await peer.nextPdu()).toEqual(Buffer.from([0x07, 0, 0, 0, 0, 4, 0, 0, 2, 6]));
    await peer.closed;
  });

  it('close() with an association open: the peer gets A-ABORT and the association is audited as ended by shutdown', async () => {
    const peer = await RawPeer.connect(scp.port);
    expect(await peer.associate('NEVERS_CT')).toBe(0x02);
    await scp.close();
    expect(await peer.nextPdu()).toEqual(Buffer.from([0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0]));
    await peer.closed;
    const nevers = await findSiteByCode(t.server.db, 'NEVERS');
    const { rows } = await t.server.db.query<{ site_id: string }>(
      `SELECT site_id FROM audit_log WHERE action = 'dicom.cstore' AND details->>'end' = 'shutdown'`,
    );
    expect(rows.map((r) => r.site_id)).toEqual([nevers!.id]);
    await scp.close();
  });
});
