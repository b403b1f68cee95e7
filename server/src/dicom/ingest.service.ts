import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { StoreFailure, StoreOutcome } from '@telestroke/shared';
import { pgErrorCode, type Db } from '../db/Db';
import type { Logger } from '../logger';
import type { ArrivalTracker } from './ArrivalTracker';
import { toDicomJson } from './dicom-json';
import type { DicomStorage } from './DicomStorage';
import { datasetOffsetOf, parsePart10, Part10Error, type ParsedInstance } from './part10';
import { findInstance, FilingRefused, insertInstanceTree, type InsertedInstance } from './study.repository';

export interface IngestContext {
  siteId: string;
  siteCode: string;
  via: 'stow' | 'cstore';
  /** STOW-RS to /studies/{study}: instances of any other study are refused. */
  expectedStudyUid?: string;
}

export interface DicomIngestOptions {
  db: Db;
  storage: DicomStorage;
  arrivals: ArrivalTracker;
  log: Logger;
  /** Largest instance accepted, in bytes. Default 256 MiB. */
  maxInstanceBytes?: number;
}

class Reject extends Error {
  readonly reason: StoreFailure;
  constructor(reason: StoreFailure, detail: string) {
    super(detail);
    this.reason = reason;
  }
}

/**
 * Checks that the pixel data and every other top-level element lie inside the file: a header parser stops
 * before the pixels, so truncation and absurd lengths are caught here. Returns where the Pixel Data element begins
 * in `bytes` when it could be found there (not in a deflated data set), so that the header can be read without them.
 */
function checkStructure(bytes: Buffer): number | undefined {
  let ds: dicomParser.DataSet;
  try {
    ds = dicomParser.parseDicom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), {
      // Called for the deflated transfer syntax only.
      inflater: (array: Uint8Array, position: number) => {
        const inflated = inflateRawSync(array.subarray(position));
        const full = new Uint8Array(position + inflated.length);
        full.set(array.subarray(0, position));
        full.set(inflated, position);
        return full;
      },
    } as dicomParser.ParseDicomOptions);
  } catch (err) {
    throw new Reject('MALFORMED', `The data set cannot be parsed: ${String(err).slice(0, 200)}`);
  }
  const size = ds.byteArray.length;
  for (const el of Object.values(ds.elements)) {
    if (el.dataOffset + el.length > size) {
      throw new Reject('MALFORMED', `Element ${el.tag} runs past the end of the file (truncated or absurd length)`);
    }
  }
  const px = ds.elements.x7fe00010;
  if (px?.encapsulatedPixelData && !(px.fragments && px.fragments.length > 0)) {
    throw new Reject('MALFORMED', 'Encapsulated pixel data without fragments');
  }
  if (!px || ds.byteArray.buffer !== bytes.buffer) return undefined;
  // The element's header is 12 bytes in explicit VR (tag, VR, reserved, length), 8 in implicit VR.
  for (const headerLength of [12, 8]) {
    const at = px.dataOffset - headerLength;
    if (at >= 0 && bytes.readUInt32LE(at) === PIXEL_DATA_TAG_LE) return at;
  }
  return undefined;
}

/** (7FE0,0010) as its four bytes read little-endian: group then element. */
const PIXEL_DATA_TAG_LE = 0x00107fe0;

/**
 * The one way an instance enters the platform, for STOW-RS and C-STORE alike. It answers `stored`,
 * `duplicate` (the same data set is already stored) or `rejected` with a reason; `stored` is answered only
 * once the file is on disk and its rows committed. Nothing is half-stored: a failure after the file was
 * written removes the file again.
 */
export class DicomIngest {
  readonly #db: Db;
  readonly #storage: DicomStorage;
  readonly #arrivals: ArrivalTracker;
  readonly #log: Logger;
  readonly #maxBytes: number;

  constructor(options: DicomIngestOptions) {
    this.#db = options.db;
    this.#storage = options.storage;
    this.#arrivals = options.arrivals;
    this.#log = options.log;
    this.#maxBytes = options.maxInstanceBytes ?? 256 * 1024 * 1024;
  }

  get maxInstanceBytes(): number {
    return this.#maxBytes;
  }

  async ingest(bytes: Buffer, ctx: IngestContext): Promise<StoreOutcome> {
    let parsed: ParsedInstance | undefined;
    try {
      if (bytes.length > this.#maxBytes) throw new Reject('TOO_LARGE', `The instance is over ${this.#maxBytes} bytes`);
      datasetOffsetOf(bytes);
      const pixelDataAt = checkStructure(bytes);
      // The header alone: the parser would otherwise copy the whole file, pixels included, to skip them.
      parsed = parsePart10(pixelDataAt === undefined ? bytes : bytes.subarray(0, pixelDataAt), true);
      return await this.#store(bytes, parsed, ctx);
    } catch (err) {
      if (err instanceof Reject || err instanceof Part10Error) {
        return {
          status: 'rejected',
          reason: err.reason,
          detail: err.message,
          ...(parsed ? { sopClassUid: parsed.sopClassUid, sopInstanceUid: parsed.sopInstanceUid } : {}),
        };
      }
      // Only the error's code and kind: database errors quote the values they refused, which may be patient data.
      this.#log.error(
        { code: pgErrorCode(err) ?? (err as NodeJS.ErrnoException).code, kind: (err as Error).name },
        'instance could not be stored',
      );
      return {
        status: 'rejected',
        reason: 'OUT_OF_RESOURCES',
        detail: 'The server could not store the instance',
        ...(parsed ? { sopClassUid: parsed.sopClassUid, sopInstanceUid: parsed.sopInstanceUid } : {}),
      };
    }
  }

  async #store(bytes: Buffer, p: ParsedInstance, ctx: IngestContext): Promise<StoreOutcome> {
    const ok = (status: 'stored' | 'duplicate'): StoreOutcome => ({
      status,
      sopClassUid: p.sopClassUid,
      sopInstanceUid: p.sopInstanceUid,
      studyInstanceUid: p.studyInstanceUid,
    });
    if (ctx.expectedStudyUid && ctx.expectedStudyUid !== p.studyInstanceUid) {
      throw new Reject('STUDY_UID_MISMATCH', `The instance belongs to study ${p.studyInstanceUid}`);
    }
    const sha256 = createHash('sha256').update(bytes.subarray(p.datasetOffset)).digest('hex');
    const checkExisting = async (): Promise<StoreOutcome | null> => {
      const existing = await findInstance(this.#db, p.sopInstanceUid);
      if (!existing) return null;
      if (existing.site_id !== ctx.siteId) throw new Reject('STUDY_OF_ANOTHER_SITE', 'Already received from another site');
      if (existing.dataset_sha256 === sha256) return ok('duplicate');
      throw new Reject('INSTANCE_CONFLICT', 'Same SOP Instance UID, different content');
    };
    // No lookup first: the filing statement refuses an instance already stored, and a resend is the rare case.
    const relativePath = this.#storage.relativePath(p.studyInstanceUid, p.seriesInstanceUid, p.sopInstanceUid, sha256);
    const pending = await this.#storage.writePending(relativePath, bytes);
    let inserted: InsertedInstance;
    try {
      inserted = await insertInstanceTree(this.#db, p, {
        siteId: ctx.siteId,
        relativePath,
        sizeBytes: bytes.length,
        sha256,
        via: ctx.via,
        metadata: toDicomJson(p.dataset),
      });
    } catch (err) {
      const refusal = err instanceof FilingRefused ? err.refusal : null;
      // Another request filed the same SOP Instance UID meanwhile. With the same content it has the same path, and
      // the file is the stored one: removing it would lose what that request acknowledged.
      const sameFile =
        refusal === 'INSTANCE_EXISTS' &&
        (await findInstance(this.#db, p.sopInstanceUid).catch(() => null))?.dataset_sha256 === sha256;
      if (pending.created && !sameFile) await this.#storage.remove(relativePath);
      await this.#storage.settle(pending);
      if (refusal === 'INSTANCE_EXISTS') {
        const raced = await checkExisting();
        if (raced) return raced;
      }
      if (refusal === 'STUDY_OF_ANOTHER_SITE') throw new Reject('STUDY_OF_ANOTHER_SITE', 'The study belongs to another site');
      if (refusal === 'SERIES_OF_ANOTHER_STUDY') throw new Reject('INSTANCE_CONFLICT', 'The series belongs to another study');
      throw err;
    }
    await this.#storage.settle(pending);
    this.#arrivals.instanceCommitted({
      studyId: inserted.studyId,
      studyInstanceUid: p.studyInstanceUid,
      siteCode: ctx.siteCode,
      modalities: inserted.modalities,
      description: inserted.description,
      seriesCount: inserted.seriesCount,
      instanceCount: inserted.instanceCount,
      firstReceivedAt: inserted.firstReceivedAt,
      isNewStudy: inserted.isNewStudy,
    });
    return ok('stored');
  }
}
