/** One body part of a multipart body, complete: its closing delimiter was seen. */
export interface MultipartPart {
  /** Position of the part in the body, from 0. */
  index: number;
  /** Header fields of the part, names lower-cased; the first of repeated fields wins. */
  headers: Record<string, string>;
  /** The part's content, or null when it was over `maxPartBytes` and dropped while the body was read on. */
  body: Buffer | null;
  /** Size of the content in bytes, also when it was dropped. */
  size: number;
  /** For a dropped part: its first `keepHeadBytes` bytes, enough to tell which instance it was. */
  head?: Buffer;
}

export interface MultipartParserOptions {
  /** Largest part content kept, in bytes; a larger one is read through and reported with `body: null`. Default 256 MiB. */
  maxPartBytes?: number;
  /** Largest header block of one part, in bytes. Default 16 KiB. */
  maxHeaderBytes?: number;
  /** How much of the start of a dropped part is kept in `head`. Default 64 KiB. */
  keepHeadBytes?: number;
}

/**
 * Why a body is not a well-formed multipart body:
 * - `NO_DELIMITER`: no delimiter line with the declared boundary anywhere (this includes an empty body);
 * - `UNTERMINATED`: the body ends inside a part, before the delimiter that closes it;
 * - `BAD_DELIMITER`: a delimiter line followed by something other than `--`, transport padding or CRLF;
 * - `HEADERS_TOO_LARGE`: a part's header block is over `maxHeaderBytes`;
 * - `BAD_HEADER`: a header line that is not `name: value`.
 */
export type MultipartErrorCode = 'NO_DELIMITER' | 'UNTERMINATED' | 'BAD_DELIMITER' | 'HEADERS_TOO_LARGE' | 'BAD_HEADER';
