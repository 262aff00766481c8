// The error codes of contract v1 and the one builder of their RFC 9457 problem+json body.

export const ERRORS = {
  INVALID_OPTION: { status: 400, title: 'Invalid option', when: 'unknown, repeated or invalid query option' },
  INVALID_REQUEST: {
    status: 400,
    title: 'Invalid request',
    when: 'malformed multipart or Content-Disposition, more than one image part; a request the HTTP parser refuses (Content-Length with Transfer-Encoding, raw non-ASCII or control bytes in the target, bad framing)',
  },
  MISSING_IMAGE: { status: 400, title: 'Missing image', when: 'no image part, or an empty body' },
  NOT_FOUND: { status: 404, title: 'Not found', when: 'unknown path' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', when: 'wrong method; Allow header set' },
  UPLOAD_TIMEOUT: {
    status: 408,
    title: 'Upload timeout',
    when: 'the body was not complete within UPLOAD_TIMEOUT_MS; the connection then closes',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: 'Payload too large',
    when: 'body over MAX_UPLOAD_BYTES; rejected without buffering the whole body',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported media type',
    when: 'content type not accepted, or bytes not JPEG/PNG/WebP/GIF',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    title: 'Headers too large',
    when: 'request line and headers over 16 KiB (EDGE_LIMITS.maxHeaderBytes); the connection then closes',
  },
  HEADERS_TIMEOUT: {
    status: 408,
    title: 'Headers timeout',
    when: 'request line and headers not complete within 10 s (EDGE_LIMITS.headersTimeoutMs); the connection then closes',
  },
  UNDECODABLE_IMAGE: {
    status: 422,
    title: 'Undecodable image',
    when: 'recognised format, but corrupt or truncated',
  },
  IMAGE_TOO_LARGE: {
    status: 422,
    title: 'Image too large',
    when: 'width×height (input, or planned output) over MAX_INPUT_PIXELS, decided before decoding pixels',
  },
  OVERLOADED: {
    status: 503,
    title: 'Overloaded',
    when: 'more than CONCURRENCY + QUEUE_DEPTH complete bodies want processing, the body does not fit in MAX_INFLIGHT_UPLOAD_BYTES, or the service is draining; Retry-After: 1',
  },
  PROCESSING_TIMEOUT: {
    status: 503,
    title: 'Processing timeout',
    when: 'processing exceeded REQUEST_TIMEOUT_MS',
  },
  INTERNAL: {
    status: 500,
    title: 'Internal error',
    when: 'anything else; no stack or internal message leaks',
  },
} as const satisfies Record<string, { status: number; title: string; when: string }>;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The detail of every INTERNAL answer: fixed, so nothing internal leaks. */
export const INTERNAL_DETAIL = 'The server could not process the request.';

/** Seconds a client should wait after 503 OVERLOADED. */
export const RETRY_AFTER_SECONDS = 1;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
}

/** `INVALID_OPTION` → `/problems/invalid-option`. */
export function problemType(code: ErrorCode): string {
  return `/problems/${code.toLowerCase().replaceAll('_', '-')}`;
}

/** A contract error: thrown by the services, turned into one problem body at the HTTP edge. */
export class ContractError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** The public explanation; safe to show to the client. */
  readonly detail: string;

  constructor(code: ErrorCode, detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'ContractError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.detail = detail;
  }
}

export function isContractError(value: unknown): value is ContractError {
  return value instanceof ContractError;
}

/** The RFC 9457 body for a code. The detail of INTERNAL is fixed so nothing internal leaks. */
export function buildProblem(code: ErrorCode, detail: string, requestId: string): Problem {
  const { status, title } = ERRORS[code];
  return {
    type: problemType(code),
    title,
    status,
    detail: code === 'INTERNAL' ? INTERNAL_DETAIL : detail,
    code,
    requestId,
  };
}
