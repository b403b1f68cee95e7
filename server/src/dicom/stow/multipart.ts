import { AppError } from '@telestroke/shared';

/** A media type split into its lower-cased `type/subtype` and its parameters (names lower-cased, values unquoted). */
export interface MediaType {
  type: string;
  parameters: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses a Content-Type value (RFC 9110 §8.3.1): `type/subtype` then `; name=value` pairs, where a value is a token
 * or a quoted string with backslash escapes. Returns null when the value does not follow that grammar.
 */
export function parseMediaType(value: string): MediaType | null {
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const slash = type.indexOf('/');
  if (slash <= 0 || !TOKEN.test(type.slice(0, slash)) || !TOKEN.test(type.slice(slash + 1))) return null;
  const parameters: Record<string, string> = {};
  let i = semi < 0 ? value.length : semi;
  while (i < value.length) {
    // At a ';': skip it and the whitespace after it; empty parameters (";;") are tolerated.
    i += 1;
    while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i += 1;
    if (i >= value.length || value[i] === ';') continue;
    const eq = value.indexOf('=', i);
    if (eq < 0) return null;
    const name = value.slice(i, eq).trim().toLowerCase();
    if (!TOKEN.test(name)) return null;
    i = eq + 1;
    let v = '';
    if (value[i] === '"') {
      i += 1;
      for (; i < value.length && value[i] !== '"'; i += 1) {
        if (value[i] === '\\' && i + 1 < value.length) i += 1;
        v += value[i];
      }
      if (value[i] !== '"') return null;
      i += 1;
      while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i += 1;
      if (i < value.length && value[i] !== ';') return null;
    } else {
      const end = value.indexOf(';', i);
      v = value.slice(i, end < 0 ? value.length : end).trim();
      // Looser than a token: clients leave boundaries with '/' or '=' unquoted, which is harmless.
      if (!/^[^\s;"]+$/.test(v)) return null;
      i = end < 0 ? value.length : end;
    }
    // The first occurrence wins, so that a repeated parameter cannot override what was checked.
    if (!(name in parameters)) parameters[name] = v;
  }
  return { type, parameters };
}

/**
 * RFC 2046 §5.1.1: 1 to 70 characters from a restricted set, not ending with a space. Longer boundaries are
 * tolerated up to 200 characters, since some clients generate them and nothing depends on the limit.
 */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,199}[0-9A-Za-z'()+_,\-./:=?]$/;

export const DICOM_MEDIA_TYPE = 'application/dicom';

/**
 * Checks the Content-Type of a STOW-RS request and returns its boundary. PS3.18 §10.5.1.2 asks for
 * `multipart/related; type="application/dicom"`; a missing `type` parameter is tolerated (each part then says what it
 * is), any other type, such as the metadata-and-bulk-data form `application/dicom+json`, is not supported.
 * Throws UNSUPPORTED_MEDIA_TYPE (415) for another media type and BAD_REQUEST (400) for a missing or invalid boundary.
 */
export function stowBoundary(contentType: string | undefined, contentEncoding: string | undefined): string {
  const expected = `Send multipart/related; type="${DICOM_MEDIA_TYPE}" with a boundary`;
  if (!contentType) throw new AppError('UNSUPPORTED_MEDIA_TYPE', `No Content-Type. ${expected}`);
  const media = parseMediaType(contentType);
  if (!media || media.type !== 'multipart/related') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Type is not multipart/related. ${expected}`);
  }
  const type = media.parameters.type?.toLowerCase();
  if (type !== undefined && type !== DICOM_MEDIA_TYPE) {
    const what = JSON.stringify(type.slice(0, 100));
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Parts of type ${what} are not accepted. ${expected}`);
  }
  if (contentEncoding && !/^\s*identity\s*$/i.test(contentEncoding)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Content-Encoding is not supported: send the parts as they are');
  }
  const boundary = media.parameters.boundary;
  if (boundary === undefined) throw new AppError('BAD_REQUEST', 'The multipart Content-Type has no boundary parameter');
  if (!BOUNDARY.test(boundary)) {
    throw new AppError('BAD_REQUEST', 'The multipart boundary is not a valid RFC 2046 boundary');
  }
  return boundary;
}

/** Whether a part's own Content-Type (absent: the request's `type`) says it is a DICOM Part 10 file. */
export function isDicomPart(partContentType: string | undefined): boolean {
  if (partContentType === undefined) return true;
  return parseMediaType(partContentType)?.type === DICOM_MEDIA_TYPE;
}
