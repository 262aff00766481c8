// What POST /process accepts and answers: media types, magic bytes, request ids and headers.

export const INPUT_FORMATS = ['jpeg', 'png', 'webp', 'gif'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** Content types accepted for a raw body (parameters such as `; charset` are ignored). */
export const RAW_CONTENT_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'application/octet-stream',
];
export const MULTIPART_CONTENT_TYPE = 'multipart/form-data';
export const IMAGE_PART = 'image';

export const OUTPUT_CONTENT_TYPES = { jpeg: 'image/jpeg', png: 'image/png' } as const;

/** The format the bytes say they are, by magic number; never by name or declared type. */
export function sniffFormat(bytes: Uint8Array): InputFormat | undefined {
  const at = (i: number) => bytes[i];
  const ascii = (start: number, text: string) =>
    bytes.length >= start + text.length && [...text].every((ch, i) => at(start + i) === ch.charCodeAt(0));
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'jpeg';
  if (ascii(0, '\x89PNG\r\n\x1a\n')) return 'png';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  return undefined;
}

/** The media type without parameters, lower-cased; '' when absent. */
export function baseMediaType(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * `Cache-Control` of every answer (every route, every problem, the edge's own): each one answers one request, so no
 * cache or proxy may keep it or give it to another client.
 */
export const CACHE_CONTROL = 'no-store';
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Response headers of a successful POST /process. */
export const SUCCESS_HEADERS = [
  'Content-Type',
  'Content-Length',
  'X-Request-Id',
  'X-Image-Width',
  'X-Image-Height',
  'Server-Timing',
] as const;

/** Routes and the methods they answer; any other method is 405 with this list in `Allow`. */
export const ROUTES = {
  '/process': ['POST'],
  '/healthz': ['GET', 'HEAD'],
  '/readyz': ['GET', 'HEAD'],
  '/metrics': ['GET', 'HEAD'],
  '/info': ['GET', 'HEAD'],
  '/openapi.json': ['GET', 'HEAD'],
} as const;

export type RoutePath = keyof typeof ROUTES;
