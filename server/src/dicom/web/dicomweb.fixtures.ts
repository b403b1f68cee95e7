import dcmjs from 'dcmjs';
import type { SyntheticStudyOptions } from '../synthetic/synthetic';
import { generateStudy } from '../synthetic/synthetic';
import { findSiteByCode } from '../../sites/site.repository';
import type { TestServer } from '../../testing';

/**
 * Test helpers of the DICOMweb tests: studies stored through the one ingest path, and a multipart reader
 * written apart from the server's writer, so that a framing bug cannot hide behind the same code on both sides.
 */

export interface StoredStudy {
  studyUid: string;
  siteCode: string;
  series: Array<{ uid: string; instances: Array<{ sopInstanceUid: string; bytes: Buffer }> }>;
}

/** Generates a synthetic study and stores it under `siteCode` with `server.imaging.ingest.ingest()`. */
export async function storeSyntheticStudy(t: TestServer, siteCode: string, options: SyntheticStudyOptions = {}): Promise<StoredStudy> {
  const site = await findSiteByCode(t.server.db, siteCode);
  if (!site) throw new Error(`no site ${siteCode}`);
  const study: StoredStudy = { studyUid: '', siteCode, series: [] };
  for (const instance of generateStudy({ slices: 3, rows: 32, columns: 32, ...options })) {
    const outcome = await t.server.imaging.ingest.ingest(instance.bytes, { siteId: site.id, siteCode, via: 'stow' });
    if (outcome.status !== 'stored') throw new Error(`ingest answered ${JSON.stringify(outcome)}`);
    study.studyUid = instance.studyInstanceUid;
    let series = study.series.find((s) => s.uid === instance.seriesInstanceUid);
    if (!series) study.series.push((series = { uid: instance.seriesInstanceUid, instances: [] }));
    series.instances.push({ sopInstanceUid: instance.sopInstanceUid, bytes: instance.bytes });
  }
  return study;
}

/** Stores one Part 10 file under `siteCode`; returns the outcome. */
export async function storeFile(t: TestServer, siteCode: string, bytes: Buffer) {
  const site = await findSiteByCode(t.server.db, siteCode);
  if (!site) throw new Error(`no site ${siteCode}`);
  return t.server.imaging.ingest.ingest(bytes, { siteId: site.id, siteCode, via: 'stow' });
}

/** The pixel data value of a Part 10 file, read by dcmjs (not by dicom-parser, which the server uses). */
export function pixelDataOf(bytes: Buffer): Buffer {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
  const dict = dcmjs.data.DicomMessage.readFile(ab).dict;
  const value = dict['7FE00010']?.Value?.[0];
  if (!(value instanceof ArrayBuffer)) throw new Error('no native pixel data');
  return Buffer.from(value);
}

export interface Part {
  headers: Record<string, string>;
  body: Buffer;
}

/** Splits a multipart/related body by the boundary of its Content-Type (RFC 2046). */
export function readMultipart(body: Buffer, contentType: string | null): Part[] {
  const m = /boundary="?([^";]+)"?/i.exec(contentType ?? '');
  if (!m) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${m[1]}`);
  const parts: Part[] = [];
  let at = body.indexOf(delimiter);
  if (at !== 0) throw new Error('the body does not start with the boundary');
  for (;;) {
    const afterDelimiter = at + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', afterDelimiter);
    const headers: Record<string, string> = {};
    for (const line of body.subarray(afterDelimiter + 2, headerEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new Error('unterminated part');
    parts.push({ headers, body: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
  return parts;
}

/** Replaces every occurrence of `uid` by `replacement` of the same length: a file with a new SOP Instance UID. */
export function withUid(bytes: Buffer, uid: string, replacement: string): Buffer {
  if (uid.length !== replacement.length) throw new Error('UIDs of different lengths would shift the file');
  const out = Buffer.from(bytes);
  const from = Buffer.from(uid, 'latin1');
  for (let at = out.indexOf(from); at >= 0; at = out.indexOf(from, at + 1)) out.write(replacement, at, 'latin1');
  return out;
}
