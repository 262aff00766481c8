// A small multipart/form-data reader over a fully received (size-capped) body: finds the one `image` part.
//
// Hand-written rather than Request.formData(): it returns the part as a zero-copy slice of the body, keeps the
// bytes binary whatever the part's headers say, and tells "malformed" (400 INVALID_REQUEST) apart from
// "no image part" (400 MISSING_IMAGE) and "two image parts" (400 INVALID_REQUEST) as the contract requires.

import { ContractError, IMAGE_PART, parseContentDisposition } from '@rtip/contract';

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

const u8IndexOf = Uint8Array.prototype.indexOf;

/**
 * Where `needle` (not empty) first occurs in `haystack` at or after `from`, or -1: the first byte found with
 * Uint8Array#indexOf (built into the engine), the rest compared in place.
 */
export function scanIndexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0] as number;
  const last = haystack.length - needle.length;
  for (let at = u8IndexOf.call(haystack, first, from); at >= 0 && at <= last; ) {
    let i = 1;
    while (i < needle.length && haystack[at + i] === needle[i]) i++;
    if (i === needle.length) return at;
    at = u8IndexOf.call(haystack, first, at + 1);
  }
  return -1;
}

/**
 * The search for the part delimiters. Buffer#indexOf is native on Node and Bun, but a byte-by-byte JS loop on Deno
 * 2.9 (1.35 ms per 335 KB body, the largest item of its main thread at 22 req/s; the scan: 0.20 ms; on Node the
 * scan would cost 0.22 against 0.06): Deno gets the scan (docs/perf-log.md, 2026-12-03).
 */
const indexOf: (haystack: Buffer, needle: Buffer, from?: number) => number =
  'Deno' in globalThis ? scanIndexOf : (haystack, needle, from) => haystack.indexOf(needle, from);

const malformed = (why: string) => new ContractError('INVALID_REQUEST', `Malformed multipart body: ${why}.`);

/** The boundary parameter of a multipart Content-Type, or undefined when absent or empty. */
export function multipartBoundary(contentType: string): string | undefined {
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  return boundary && boundary.length <= 200 ? boundary : undefined;
}

/**
 * The form-field name of a part from its Content-Disposition header (the contract's one rule,
 * `parseContentDisposition`): undefined when the part is not a form field (no header, or a type other than
 * form-data). A header that does not parse, or two of them, make the body malformed. The headers are read as
 * latin1, one character per byte, so a raw UTF-8 file name is just bytes 0x80–0xFF, which the rule allows.
 */
function partName(headers: string): string | undefined {
  let name: string | undefined;
  let seen = false;
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue;
    if (seen) throw malformed('more than one Content-Disposition');
    seen = true;
    const disposition = parseContentDisposition(line.slice(colon + 1)); // the rule skips OWS itself
    if (disposition.kind === 'malformed') throw malformed('malformed Content-Disposition');
    if (disposition.kind === 'form-data') name = disposition.name;
  }
  return name;
}

/**
 * Returns the content of the single part named `image` (possibly empty: the caller decides MISSING_IMAGE).
 * Throws INVALID_REQUEST for a body that does not parse or has two image parts, MISSING_IMAGE for none.
 */
export function findImagePart(body: Buffer, boundary: string): Buffer {
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter may follow a preamble; later ones are always preceded by CRLF.
  let at = body.subarray(0, delimiter.length).equals(delimiter) ? 0 : indexOf(body, nextDelimiter);
  if (at < 0) throw malformed('no boundary delimiter');
  if (at > 0) at += CRLF.length;
  let image: Buffer | undefined;
  for (;;) {
    let cursor = at + delimiter.length;
    if (body[cursor] === 0x2d && body[cursor + 1] === 0x2d) break; // "--": the close delimiter
    while (body[cursor] === 0x20 || body[cursor] === 0x09) cursor++; // transport padding
    if (!body.subarray(cursor, cursor + 2).equals(CRLF)) throw malformed('bad delimiter line');
    cursor += CRLF.length;
    const headersEnd = indexOf(body, HEADER_END, cursor - CRLF.length);
    if (headersEnd < 0) throw malformed('part headers do not end');
    const headers = body.toString('latin1', cursor, headersEnd);
    const contentStart = headersEnd + HEADER_END.length;
    const contentEnd = indexOf(body, nextDelimiter, contentStart);
    if (contentEnd < 0) throw malformed('no closing delimiter');
    if (partName(headers) === IMAGE_PART) {
      if (image) throw new ContractError('INVALID_REQUEST', 'More than one "image" part.');
      image = body.subarray(contentStart, contentEnd);
    }
    at = contentEnd + CRLF.length;
  }
  if (!image) throw new ContractError('MISSING_IMAGE', 'No part named "image" in the multipart body.');
  return image;
}
