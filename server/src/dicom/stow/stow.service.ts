import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { DicomJsonDataset } from 'dcmjs';
import { STORE_FAILURES, type StoreFailure, type StoreOutcome } from '@telestroke/shared';
import type { Queryable } from '../../db/Db';
import type { Logger } from '../../logger';
import type { IngestContext, IngestOptions } from '../ingest.service';
import { identify } from '../prepare';
import { isDicomPart } from './multipart';
import { MultipartError, MultipartParser, readParts, type MultipartPart } from './MultipartParser';

/** What STOW-RS needs of the ingest path: `DicomIngest` has it. */
export interface StowIngest {
  readonly maxInstanceBytes: number;
  ingest(bytes: Buffer, ctx: IngestContext, options?: IngestOptions): Promise<StoreOutcome>;
}

export interface StowServiceOptions {
  db: Queryable;
  ingest: StowIngest;
  /** Instances being stored at once while the next ones are read from the request. Default 4. */
  maxInFlight?: number;
  /** Bytes of instances being stored at once; one instance is always let through, however large. Default 64 MiB. */
  maxInFlightBytes?: number;
  /**
   * A request whose sender sends nothing for this long is abandoned (the parts already read are still stored), so
   * that stalled uploads cannot hold their partial parts forever. Default 60 000 ms.
   */
  idleTimeoutMs?: number;
}

/** A request body: a stream, and for HTTP requests the socket idle timeout of `IncomingMessage`. */
export type StowBody = Readable & { setTimeout?: (ms: number, callback?: () => void) => unknown };

export interface StowSummary {
  /** One outcome per part, in the order of the request. */
  outcomes: StoreOutcome[];
  /**
   * The body was not well-formed multipart: the parts before the fault were stored, the rest was read and dropped, and
   * is the last outcome, a MALFORMED failure.
   */
  malformed: MultipartError | undefined;
  /** The client went away before the end of the body; the parts read before were stored. */
  aborted: boolean;
  /** Bytes of part content read. */
  bytes: number;
}

export interface StowCounts {
  stored: number;
  duplicate: number;
  failed: number;
}

function rejected(
  reason: StoreFailure,
  detail: string,
  ids: { sopClassUid?: string; sopInstanceUid?: string } = {},
): StoreOutcome {
  return { status: 'rejected', reason, detail, ...ids };
}

/** Content-Transfer-Encoding is not used by DICOMweb; these values mean the bytes are as they are. */
const IDENTITY_ENCODINGS = new Set(['binary', '8bit', '7bit']);

/**
 * STOW-RS: reads the parts of a multipart/related request as they arrive and hands each to the ingest path, storing up
 * to `maxInFlight` instances while the next part is read. The request is read only when the pipeline has room, so a
 * fast sender is paused by TCP backpressure and memory stays bounded by the in-flight parts, whatever the request size.
 */
export class StowService {
  readonly #db: Queryable;
  readonly #ingest: StowIngest;
  readonly #maxInFlight: number;
  readonly #maxInFlightBytes: number;
  readonly #idleTimeoutMs: number;

  constructor(options: StowServiceOptions) {
    this.#db = options.db;
    this.#ingest = options.ingest;
    this.#maxInFlight = options.maxInFlight ?? 4;
    this.#maxInFlightBytes = options.maxInFlightBytes ?? 64 * 1024 * 1024;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  }

  /** Stores every part of `body`; never throws for what the client sent, only reports it in the summary. */
  async store(body: StowBody, boundary: string, ctx: IngestContext, log: Logger): Promise<StowSummary> {
    const parser = new MultipartParser(boundary, { maxPartBytes: this.#ingest.maxInstanceBytes });
    const outcomes: StoreOutcome[] = [];
    const inFlight: { done: Promise<void>; bytes: number }[] = [];
    let inFlightBytes = 0;
    let bytes = 0;
    let malformed: MultipartError | undefined;
    let aborted = false;
    const settleOldest = async () => {
      const oldest = inFlight.shift()!;
      await oldest.done;
      inFlightBytes -= oldest.bytes;
    };
    const start = (part: MultipartPart, work: () => Promise<StoreOutcome>) => {
      // Counted before the work starts, which may move the part's memory to an ingest thread.
      const held = part.body ? part.body.length : 0;
      const slot = outcomes.length;
      // A placeholder, replaced when the part settles: the answer keeps the order of the request.
      outcomes.push(rejected('OUT_OF_RESOURCES', 'not processed'));
      const done = work().then(
        (o) => void (outcomes[slot] = o),
        (err) => {
          log.error({ err, part: part.index }, 'STOW part failed unexpectedly');
          outcomes[slot] = rejected('OUT_OF_RESOURCES', 'The server could not store the instance');
        },
      );
      // A dropped part holds no memory: only kept content counts against the byte budget.
      inFlight.push({ done, bytes: held });
      inFlightBytes += held;
    };

    const idle = () => body.destroy(new Error(`no data for ${this.#idleTimeoutMs} ms`));
    body.setTimeout?.(this.#idleTimeoutMs, idle);
    try {
      for await (const part of readParts(body, parser)) {
        bytes += part.size;
        // While this waits, the next part is not read: the request is paused, its sender with it.
        const held = part.body ? part.body.length : 0;
        while (
          inFlight.length >= this.#maxInFlight ||
          (inFlight.length > 0 && inFlightBytes + held > this.#maxInFlightBytes)
        ) {
          await settleOldest();
        }
        start(part, () => this.#storePart(part, ctx));
      }
    } catch (err) {
      if (err instanceof MultipartError) {
        malformed = err;
        // What could not be read is one more failure, named when the cut part's header could be read: the answer
        // must not look complete when it is not.
        const cut: MultipartPart = err.partial ?? { index: -1, headers: {}, body: null, size: 0 };
        bytes += cut.size;
        const detail = `The request is not well-formed multipart: ${err.message}`;
        start(cut, async () => rejected('MALFORMED', detail, identify(cut.body ?? cut.head)));
        // Read the rest so that the client, still sending, gets the answer instead of a reset connection.
        await drain(body);
      } else {
        // The request stream failed: the client closed the connection or it broke. Nobody is left to answer.
        aborted = true;
        log.info({ err: (err as Error).message }, 'STOW request ended before its body did');
      }
    } finally {
      body.setTimeout?.(0);
      body.off('timeout', idle);
    }
    while (inFlight.length > 0) await settleOldest();
    return { outcomes, malformed, aborted, bytes };
  }

  async #storePart(part: MultipartPart, ctx: IngestContext): Promise<StoreOutcome> {
    const type = part.headers['content-type'];
    if (!isDicomPart(type)) {
      const detail = `The part is ${JSON.stringify(type!.slice(0, 100))}, not application/dicom`;
      return rejected('NOT_DICOM', detail, identify(part.body));
    }
    const encoding = part.headers['content-transfer-encoding']?.toLowerCase();
    if (encoding !== undefined && !IDENTITY_ENCODINGS.has(encoding)) {
      return rejected('NOT_DICOM', `Content-Transfer-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not supported`);
    }
    if (part.body === null) {
      return rejected('TOO_LARGE', `The instance is over ${this.#ingest.maxInstanceBytes} bytes`, identify(part.head));
    }
    // The part is read and will not be looked at again: its memory can move to the ingest thread.
    return this.#ingest.ingest(part.body, ctx, { handOver: true });
  }

  /** Series UIDs of stored instances, for their RetrieveURL: one query for the whole request. */
  async seriesOf(sopInstanceUids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < sopInstanceUids.length; i += 1000) {
      const { rows } = await this.#db.query<{ sop: string; series: string }>(
        `SELECT i.sop_instance_uid AS sop, se.series_uid AS series
           FROM dicom_instances i JOIN dicom_series se ON se.id = i.series_ref
          WHERE i.sop_instance_uid = ANY($1::text[])`,
        [sopInstanceUids.slice(i, i + 1000)],
      );
      for (const r of rows) out.set(r.sop, r.series);
    }
    return out;
  }
}

async function drain(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return;
  stream.resume();
  await finished(stream).catch(() => undefined);
}

export function countsOf(outcomes: StoreOutcome[]): StowCounts {
  const counts: StowCounts = { stored: 0, duplicate: 0, failed: 0 };
  for (const o of outcomes) {
    if (o.status === 'stored') counts.stored += 1;
    else if (o.status === 'duplicate') counts.duplicate += 1;
    else counts.failed += 1;
  }
  return counts;
}

/**
 * PS3.18 §10.5.3.1: 200 when every instance is stored, 202 when some are and some failed, 409 when none is. A second
 * copy of an instance already stored is a success: the server holds exactly that instance, and none of the warning
 * reasons of PS3.18 Annex I.2.1 (coercion, elements discarded, data set not matching its SOP class) describes it.
 */
export function stowStatus(counts: StowCounts): 200 | 202 | 409 {
  const ok = counts.stored + counts.duplicate;
  if (counts.failed === 0) return 200;
  return ok === 0 ? 409 : 202;
}

const RETRIEVE_URL = '00081190';
const FAILED_SOP_SEQUENCE = '00081198';
const REFERENCED_SOP_SEQUENCE = '00081199';
const FAILURE_REASON = '00081197';
const REFERENCED_SOP_CLASS_UID = '00081150';
const REFERENCED_SOP_INSTANCE_UID = '00081155';

/**
 * The Store Instances Response (PS3.18 Annex I) as DICOM JSON. `baseUrl` is the DICOMweb root, e.g.
 * `https://host/dicom-web`; `seriesOf` gives each stored instance's series, for its RetrieveURL. The study's
 * RetrieveURL (type 2) is given when the request named a study or all stored instances are of one study.
 */
export function storeInstancesResponse(
  outcomes: StoreOutcome[],
  options: { baseUrl: string; seriesOf: Map<string, string>; expectedStudyUid?: string },
): DicomJsonDataset {
  const referenced: DicomJsonDataset[] = [];
  const failed: DicomJsonDataset[] = [];
  const studies = new Set<string>();
  for (const o of outcomes) {
    if (o.status === 'rejected') {
      const item: DicomJsonDataset = {};
      if (o.sopClassUid) item[REFERENCED_SOP_CLASS_UID] = { vr: 'UI', Value: [o.sopClassUid] };
      if (o.sopInstanceUid) item[REFERENCED_SOP_INSTANCE_UID] = { vr: 'UI', Value: [o.sopInstanceUid] };
      item[FAILURE_REASON] = { vr: 'US', Value: [STORE_FAILURES[o.reason].dimse] };
      failed.push(item);
      continue;
    }
    studies.add(o.studyInstanceUid);
    const series = options.seriesOf.get(o.sopInstanceUid);
    const url = `${options.baseUrl}/studies/${o.studyInstanceUid}/series/${series}/instances/${o.sopInstanceUid}`;
    referenced.push({
      [REFERENCED_SOP_CLASS_UID]: { vr: 'UI', Value: [o.sopClassUid] },
      [REFERENCED_SOP_INSTANCE_UID]: { vr: 'UI', Value: [o.sopInstanceUid] },
      [RETRIEVE_URL]: series ? { vr: 'UR', Value: [url] } : { vr: 'UR' },
    });
  }
  const study = options.expectedStudyUid ?? (studies.size === 1 ? [...studies][0] : undefined);
  const body: DicomJsonDataset = {
    [RETRIEVE_URL]: study ? { vr: 'UR', Value: [`${options.baseUrl}/studies/${study}`] } : { vr: 'UR' },
  };
  if (failed.length > 0) body[FAILED_SOP_SEQUENCE] = { vr: 'SQ', Value: failed };
  if (referenced.length > 0) body[REFERENCED_SOP_SEQUENCE] = { vr: 'SQ', Value: referenced };
  return body;
}
