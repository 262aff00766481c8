// Configuration of both services: env names, defaults and the one validating parser.

/**
 * Every implementation of the contract and its default port. `go` and `go-vips` are one Go code base built twice
 * (pure-Go codecs; libvips through cgo), `ts` is the TypeScript service on Node.js.
 */
export const DEFAULT_PORTS = { go: 8080, ts: 8081, 'go-vips': 8082 } as const;
export type Implementation = keyof typeof DEFAULT_PORTS;
export const IMPLEMENTATIONS = Object.keys(DEFAULT_PORTS) as Implementation[];

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServiceConfig {
  port: number;
  host: string;
  maxUploadBytes: number;
  maxInflightUploadBytes: number;
  uploadTimeoutMs: number;
  maxInputPixels: number;
  concurrency: number;
  queueDepth: number;
  requestTimeoutMs: number;
  shutdownTimeoutMs: number;
  lingerTimeoutMs: number;
  lingerIdleMs: number;
  maxLingering: number;
  logLevel: LogLevel;
}

/** Env name → meaning and default, as the README and OpenAPI document describe them. */
export const CONFIG_VARIABLES = {
  PORT: {
    default: Object.entries(DEFAULT_PORTS)
      .map(([name, port]) => `${name} ${port}`)
      .join(', '),
    description: 'TCP port to listen on.',
  },
  HOST: { default: '0.0.0.0', description: 'Address to listen on.' },
  MAX_UPLOAD_BYTES: { default: '26214400', description: 'Largest accepted request body (413 beyond).' },
  MAX_INFLIGHT_UPLOAD_BYTES: {
    default: '4 × MAX_UPLOAD_BYTES',
    description:
      'Memory budget for request bodies held at once (being read, queued or processed); a body that does not fit is 503 OVERLOADED before it is read. At least MAX_UPLOAD_BYTES.',
  },
  UPLOAD_TIMEOUT_MS: {
    default: '30000',
    description:
      'Deadline for reading a request body, from the end of its headers (408 UPLOAD_TIMEOUT beyond).',
  },
  MAX_INPUT_PIXELS: {
    default: '50000000',
    description: 'Largest width×height of an input or planned output (422 IMAGE_TOO_LARGE beyond).',
  },
  CONCURRENCY: { default: 'number of CPUs', description: 'Images processed at once.' },
  QUEUE_DEPTH: {
    default: '4 × CONCURRENCY',
    description: 'Requests allowed to wait for a slot (503 beyond).',
  },
  REQUEST_TIMEOUT_MS: {
    default: '30000',
    description: 'Deadline for queueing plus processing, counted once the body is read (503 beyond).',
  },
  SHUTDOWN_TIMEOUT_MS: { default: '10000', description: 'Grace period for in-flight requests on SIGTERM.' },
  LINGER_TIMEOUT_MS: {
    default: '30000',
    description: 'After an early answer, longest time spent reading and discarding the rest of the body.',
  },
  LINGER_IDLE_MS: {
    default: '5000',
    description: 'After an early answer, longest wait for the next body byte before closing.',
  },
  MAX_LINGERING: {
    default: '256',
    description:
      'Connections lingering after an early answer at once; beyond, closed right after the answer.',
  },
  LOG_LEVEL: { default: 'info', description: 'One of debug, info, warn, error.' },
} as const;

export type ConfigVariable = keyof typeof CONFIG_VARIABLES;

/** Bounds of the lingering close after an early answer; the README ("Early answers") says why these. */
export const LINGER_DEFAULTS = { timeoutMs: 30_000, idleMs: 5_000, max: 256 } as const;

/**
 * Limits of the HTTP edge that are not settings: the same in every implementation, and stated in the README
 * ("Edge policy"). Headers = the request line and every header line, as received, CRLFs included.
 */
export const EDGE_LIMITS = { maxHeaderBytes: 16_384, headersTimeoutMs: 10_000 } as const;

/** Longest delay Node.js timers accept (2^31 − 1 ms); Go reads the same range. */
const MAX_TIMER_MS = 2_147_483_647;

export type ConfigResult = { ok: true; config: ServiceConfig } | { ok: false; errors: string[] };

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the service configuration from env. `cpus` is the number of CPUs the process may use.
 * Every invalid variable is reported, by name, so a start-up failure says all that is wrong at once.
 */
export function parseConfig(env: Env, defaults: { port: number; cpus: number }): ConfigResult {
  const errors: string[] = [];
  const int = (
    name: ConfigVariable,
    fallback: number,
    min: number,
    max = Number.MAX_SAFE_INTEGER,
  ): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      errors.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  };

  const concurrency = int('CONCURRENCY', Math.max(1, defaults.cpus), 1, 1024);
  const maxUploadBytes = int('MAX_UPLOAD_BYTES', 26_214_400, 1);
  const config: ServiceConfig = {
    port: int('PORT', defaults.port, 0, 65535),
    host: env.HOST === undefined || env.HOST === '' ? '0.0.0.0' : env.HOST,
    maxUploadBytes,
    maxInflightUploadBytes: int('MAX_INFLIGHT_UPLOAD_BYTES', 4 * maxUploadBytes, maxUploadBytes),
    uploadTimeoutMs: int('UPLOAD_TIMEOUT_MS', 30_000, 1, MAX_TIMER_MS),
    maxInputPixels: int('MAX_INPUT_PIXELS', 50_000_000, 1),
    concurrency,
    queueDepth: int('QUEUE_DEPTH', 4 * concurrency, 0, 1_000_000),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', 30_000, 1),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 10_000, 0),
    lingerTimeoutMs: int('LINGER_TIMEOUT_MS', LINGER_DEFAULTS.timeoutMs, 1, MAX_TIMER_MS),
    lingerIdleMs: int('LINGER_IDLE_MS', LINGER_DEFAULTS.idleMs, 1, MAX_TIMER_MS),
    maxLingering: int('MAX_LINGERING', LINGER_DEFAULTS.max, 0, 1_000_000),
    logLevel: 'info',
  };

  const level = env.LOG_LEVEL;
  if (level !== undefined && level !== '') {
    if ((LOG_LEVELS as readonly string[]).includes(level)) config.logLevel = level as LogLevel;
    else errors.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config };
}
