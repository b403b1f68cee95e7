import { AppError, EXPLICIT_VR_LITTLE_ENDIAN } from '@telestroke/shared';

/** One entry of an Accept header: `multipart/related; type="application/dicom"; transfer-syntax=*; q=0.5`. */
export interface MediaRange {
  /** Lower-cased `type/subtype`. */
  type: string;
  /** Parameters with lower-cased names and unquoted values, `q` excluded. */
  params: Record<string, string>;
  q: number;
}

/** Splits on `sep` outside double quotes. */
function splitOutsideQuotes(value: string, sep: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    else if (c === sep && !quoted) {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out;
}

/** Accept headers longer than this are refused rather than parsed: no client needs more. */
const MAX_ACCEPT_LENGTH = 4096;

/**
 * The Accept header's media ranges, best first (by q, then in the order given). An absent or empty header
 * accepts anything, as HTTP says.
 */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header || !header.trim()) return [{ type: '*/*', params: {}, q: 1 }];
  if (header.length > MAX_ACCEPT_LENGTH) throw new AppError('BAD_REQUEST', 'The Accept header is too long');
  const ranges: MediaRange[] = [];
  for (const item of splitOutsideQuotes(header, ',')) {
    const [typePart, ...paramParts] = splitOutsideQuotes(item, ';');
    const type = typePart?.trim().toLowerCase();
    if (!type || !type.includes('/')) continue;
    const params: Record<string, string> = {};
    let q = 1;
    for (const p of paramParts) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const name = p.slice(0, eq).trim().toLowerCase();
      let value = p.slice(eq + 1).trim();
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
      if (name === 'q') {
        const n = Number(value);
        q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 1;
      } else {
        params[name] = value;
      }
    }
    if (q > 0) ranges.push({ type, params, q });
  }
  // A stable sort keeps the client's order among equal q values.
  return ranges.sort((a, b) => b.q - a.q);
}

/** The answer when nothing the client accepts can be produced (PS3.18: 406). Every DICOMweb negotiation failure goes through here. */
export function notAcceptable(message: string, details?: unknown): AppError {
  return new AppError('NOT_ACCEPTABLE', message, details);
}

/** `type/*` and `*\/*` wildcards of a range against one concrete media type. */
export function typeMatches(range: string, concrete: string): boolean {
  if (range === '*/*' || range === concrete) return true;
  return range.endsWith('/*') && concrete.startsWith(range.slice(0, -1));
}

/** Transfer syntaxes whose pixel data is native (not encapsulated); deflate is native once inflated. */
export const NATIVE_TRANSFER_SYNTAXES = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99']);

export const RLE_LOSSLESS = '1.2.840.10008.1.2.5';

/**
 * The media type of one encapsulated frame per stored transfer syntax (PS3.18 table 8.7.3-5), with the
 * older names some clients (dicomweb-client) still ask for.
 */
export const FRAME_MEDIA_TYPES: Record<string, { type: string; aliases: string[] }> = {
  '1.2.840.10008.1.2.4.50': { type: 'image/jpeg', aliases: [] },
  '1.2.840.10008.1.2.4.51': { type: 'image/jpeg', aliases: [] },
  '1.2.840.10008.1.2.4.57': { type: 'image/jpeg', aliases: [] },
  '1.2.840.10008.1.2.4.70': { type: 'image/jpeg', aliases: [] },
  '1.2.840.10008.1.2.4.80': { type: 'image/jls', aliases: ['image/x-jls'] },
  '1.2.840.10008.1.2.4.81': { type: 'image/jls', aliases: ['image/x-jls'] },
  '1.2.840.10008.1.2.4.90': { type: 'image/jp2', aliases: [] },
  '1.2.840.10008.1.2.4.91': { type: 'image/jp2', aliases: [] },
  [RLE_LOSSLESS]: { type: 'image/dicom-rle', aliases: ['image/x-dicom-rle'] },
};

/** How one frame can be answered: as stored, as native bytes, or decoded from RLE to native bytes. */
export type FrameSource = 'stored' | 'native' | 'rle-decoded';

export interface FrameChoice {
  source: FrameSource;
  /** Content-Type of each part (or of the single-part body), with its transfer-syntax parameter. */
  contentType: string;
  /** multipart/related, or one bare body (only when a single frame is asked for). */
  multipart: boolean;
  /** The `type` parameter of the multipart response. */
  partType: string;
}

interface FrameOffer {
  source: FrameSource;
  mediaType: string;
  aliases: string[];
  transferSyntaxUid: string;
}

function frameOffers(storedTs: string): FrameOffer[] {
  if (NATIVE_TRANSFER_SYNTAXES.has(storedTs)) {
    // Native frames are little endian in every accepted syntax: the bytes are those of explicit VR little endian.
    return [{ source: 'native', mediaType: 'application/octet-stream', aliases: [], transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN }];
  }
  const media = FRAME_MEDIA_TYPES[storedTs];
  if (!media) return [];
  const offers: FrameOffer[] = [{ source: 'stored', mediaType: media.type, aliases: media.aliases, transferSyntaxUid: storedTs }];
  if (storedTs === RLE_LOSSLESS) {
    offers.push({ source: 'rle-decoded', mediaType: 'application/octet-stream', aliases: [], transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN });
  }
  return offers;
}

/**
 * Picks how to answer a frames request from the Accept header and the stored transfer syntax:
 * - uncompressed data: `application/octet-stream` with explicit VR little endian bytes;
 * - compressed data: the stored frame with its own media type when `*\/*`, `image/*`, that type, or
 *   `application/octet-stream; transfer-syntax=*` (the dcm4chee and OHIF convention for "as stored") is accepted;
 *   RLE can also be decoded to native bytes;
 * - null when nothing fits.
 */
export function negotiateFrames(accept: MediaRange[], storedTs: string, frameCount: number): FrameChoice | null {
  const offers = frameOffers(storedTs);
  for (const range of accept) {
    let inner: string;
    let multipart = true;
    if (range.type === 'multipart/related' || range.type === 'multipart/*') inner = range.params.type?.toLowerCase() ?? 'application/octet-stream';
    else if (range.type === '*/*') inner = '*/*';
    else {
      inner = range.type;
      multipart = false;
      if (frameCount !== 1) continue;
    }
    const ts = range.params['transfer-syntax'];
    for (const offer of offers) {
      const tsOk = ts === undefined || ts === '*' || ts === offer.transferSyntaxUid;
      let label: string | undefined;
      if (inner === 'application/octet-stream' && ts === '*' && offer.source === 'stored') label = inner;
      else if (!tsOk) continue;
      else if (inner === '*/*') label = offer.mediaType;
      else if (inner === offer.mediaType || offer.aliases.includes(inner)) label = inner;
      else if (inner === 'image/*' && offer.mediaType.startsWith('image/')) label = offer.mediaType;
      if (!label) continue;
      return {
        source: offer.source,
        contentType: `${label}; transfer-syntax=${offer.transferSyntaxUid}`,
        multipart,
        partType: label,
      };
    }
  }
  return null;
}

/** Whether a range accepts DICOM JSON (metadata, QIDO). */
export function acceptsDicomJson(accept: MediaRange[]): boolean {
  return accept.some((r) =>
    ['*/*', 'application/*', 'application/json', 'application/dicom+json'].includes(r.type),
  );
}

export type RenderedType = 'image/jpeg' | 'image/png';

/** The rendered media type: JPEG by default (PS3.18 8.3.5.1), PNG when asked for. */
export function negotiateRendered(accept: MediaRange[]): RenderedType | null {
  for (const r of accept) {
    if (r.type === 'image/png') return 'image/png';
    if (r.type === 'image/jpeg' || r.type === 'image/*' || r.type === '*/*') return 'image/jpeg';
  }
  return null;
}

export interface RetrieveChoice {
  multipart: boolean;
  /** Requested transfer syntax; undefined means as stored. */
  transferSyntaxUid: string | undefined;
}

/**
 * Retrieve of instances as `application/dicom`: multipart/related, or a bare body for one instance.
 * A transfer-syntax other than `*` must be the stored one of every instance: the server does not transcode.
 */
export function negotiateRetrieve(accept: MediaRange[], storedSyntaxes: ReadonlySet<string>, instanceCount: number): RetrieveChoice | null {
  for (const range of accept) {
    let multipart = true;
    if (range.type === 'multipart/related' || range.type === 'multipart/*') {
      const inner = range.params.type?.toLowerCase() ?? 'application/dicom';
      if (!typeMatches(inner, 'application/dicom')) continue;
    } else if (range.type === 'application/dicom') {
      if (instanceCount !== 1) continue;
      multipart = false;
    } else if (range.type !== '*/*') continue;
    const ts = range.params['transfer-syntax'];
    if (ts === undefined || ts === '*') return { multipart, transferSyntaxUid: undefined };
    if ([...storedSyntaxes].every((s) => s === ts)) return { multipart, transferSyntaxUid: ts };
  }
  return null;
}
