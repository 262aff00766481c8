// Configuration of both services: env names, defaults and the one validating parser.

/**
 * Every implementation of the contract and its default port. `go` and `go-vips` are one Go code base built twice
 * (pure-Go codecs; libvips through cgo); `ts`, `ts-bun` and `ts-deno` are one TypeScript app served three ways: on
 * Node.js (node:http), on Bun (Bun.serve) and on Deno (Deno.serve).
 */
export const DEFAULT_PORTS = {
  go: 8080,
  ts: 8081,
  'go-vips': 8082,
  'ts-bun': 8083,
  'ts-deno': 8084,
} as const;
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

/** Env name → meaning, in the order the README and OpenAPI document list them (defaults: `CONFIG`). */
const CONFIG_DESCRIPTIONS = {
  PORT: 'TCP port to listen on.',
  HOST: 'Address to listen on.',
  MAX_UPLOAD_BYTES: 'Largest accepted request body (413 beyond).',
  MAX_INFLIGHT_UPLOAD_BYTES:
    'Memory budget for request bodies held at once (being read, queued or processed); a body that does not fit is 503 OVERLOADED before it is read. At least MAX_UPLOAD_BYTES.',
  UPLOAD_TIMEOUT_MS:
    'Deadline for reading a request body, from the end of its headers (408 UPLOAD_TIMEOUT beyond).',
  MAX_INPUT_PIXELS: 'Largest width×height of an input or planned output (422 IMAGE_TOO_LARGE beyond).',
  CONCURRENCY: 'Images processed at once.',
  QUEUE_DEPTH: 'Requests allowed to wait for a slot (503 beyond).',
  REQUEST_TIMEOUT_MS: 'Deadline for queueing plus processing, counted once the body is read (503 beyond).',
  SHUTDOWN_TIMEOUT_MS: 'Grace period for in-flight requests on SIGTERM.',
  LINGER_TIMEOUT_MS: 'After an early answer, longest time spent reading and discarding the rest of the body.',
  LINGER_IDLE_MS: 'After an early answer, longest wait for the next body byte before closing.',
  MAX_LINGERING:
    'Connections lingering after an early answer at once; beyond, closed right after the answer.',
  LOG_LEVEL: 'One of debug, info, warn, error.',
} as const;

export type ConfigVariable = keyof typeof CONFIG_DESCRIPTIONS;

/** Bounds of the lingering close after an early answer; the README ("Early answers") says why these. */
export const LINGER_DEFAULTS = { timeoutMs: 30_000, idleMs: 5_000, max: 256 } as const;

/**
 * Limits of the HTTP edge that are not settings: the same in every implementation, and stated in the README
 * ("Edge policy"). Headers = the request line and every header line, as received, CRLFs included.
 */
export const EDGE_LIMITS = { maxHeaderBytes: 16_384, headersTimeoutMs: 10_000 } as const;

/** Longest delay Node.js timers accept (2^31 − 1 ms): the bound of every setting that becomes a timer. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Largest integer both services read the same way (2^53 − 1). */
export const MAX_CONFIG_INTEGER = Number.MAX_SAFE_INTEGER;

/**
 * A setting's value when it is unset or empty: a number or text, or a rule.
 * - `port`: the port of the implementation (`DEFAULT_PORTS`; `parseConfig`'s `defaults.port`);
 * - `cpus`: the number of CPUs the process may use, at least 1 (`parseConfig`'s `defaults.cpus`);
 * - `times`: `factor` × the value of the variable `of`, which is read before.
 */
export type ConfigDefault =
  | number
  | string
  | { rule: 'port' }
  | { rule: 'cpus' }
  | { rule: 'times'; factor: number; of: ConfigVariable };

/** How `parseConfig` reads one variable; `key` is its field of `ServiceConfig`. */
export type ConfigRule =
  | {
      name: ConfigVariable;
      key: keyof ServiceConfig;
      kind: 'integer';
      default: Exclude<ConfigDefault, string>;
      /** The least value, or the value of a variable read before (`{ of }`). */
      min: number | { of: ConfigVariable };
      max: number;
    }
  | { name: ConfigVariable; key: keyof ServiceConfig; kind: 'string'; default: string }
  | {
      name: ConfigVariable;
      key: keyof ServiceConfig;
      kind: 'enum';
      values: readonly string[];
      default: string;
    };

/**
 * Every setting as `parseConfig` applies it, in the order it reads them (the order of its errors): an integer is
 * `^[0-9]+$` from `min` to `max`, a string anything not empty, an enum one of `values`; unset or empty is `default`.
 */
export const CONFIG: readonly ConfigRule[] = [
  { name: 'CONCURRENCY', key: 'concurrency', kind: 'integer', default: { rule: 'cpus' }, min: 1, max: 1024 },
  {
    name: 'MAX_UPLOAD_BYTES',
    key: 'maxUploadBytes',
    kind: 'integer',
    default: 26_214_400,
    min: 1,
    max: MAX_CONFIG_INTEGER,
  },
  { name: 'PORT', key: 'port', kind: 'integer', default: { rule: 'port' }, min: 0, max: 65535 },
  { name: 'HOST', key: 'host', kind: 'string', default: '0.0.0.0' },
  {
    // At least one body of the largest size must fit.
    name: 'MAX_INFLIGHT_UPLOAD_BYTES',
    key: 'maxInflightUploadBytes',
    kind: 'integer',
    default: { rule: 'times', factor: 4, of: 'MAX_UPLOAD_BYTES' },
    min: { of: 'MAX_UPLOAD_BYTES' },
    max: MAX_CONFIG_INTEGER,
  },
  {
    name: 'UPLOAD_TIMEOUT_MS',
    key: 'uploadTimeoutMs',
    kind: 'integer',
    default: 30_000,
    min: 1,
    max: MAX_TIMER_MS,
  },
  {
    name: 'MAX_INPUT_PIXELS',
    key: 'maxInputPixels',
    kind: 'integer',
    default: 50_000_000,
    min: 1,
    max: MAX_CONFIG_INTEGER,
  },
  {
    name: 'QUEUE_DEPTH',
    key: 'queueDepth',
    kind: 'integer',
    default: { rule: 'times', factor: 4, of: 'CONCURRENCY' },
    min: 0,
    max: 1_000_000,
  },
  {
    name: 'REQUEST_TIMEOUT_MS',
    key: 'requestTimeoutMs',
    kind: 'integer',
    default: 30_000,
    min: 1,
    max: MAX_TIMER_MS,
  },
  {
    name: 'SHUTDOWN_TIMEOUT_MS',
    key: 'shutdownTimeoutMs',
    kind: 'integer',
    default: 10_000,
    min: 0,
    max: MAX_TIMER_MS,
  },
  {
    name: 'LINGER_TIMEOUT_MS',
    key: 'lingerTimeoutMs',
    kind: 'integer',
    default: LINGER_DEFAULTS.timeoutMs,
    min: 1,
    max: MAX_TIMER_MS,
  },
  {
    name: 'LINGER_IDLE_MS',
    key: 'lingerIdleMs',
    kind: 'integer',
    default: LINGER_DEFAULTS.idleMs,
    min: 1,
    max: MAX_TIMER_MS,
  },
  {
    name: 'MAX_LINGERING',
    key: 'maxLingering',
    kind: 'integer',
    default: LINGER_DEFAULTS.max,
    min: 0,
    max: 1_000_000,
  },
  { name: 'LOG_LEVEL', key: 'logLevel', kind: 'enum', values: LOG_LEVELS, default: 'info' },
];

/** A default as the README and the OpenAPI document state it: `26214400`, `4 × MAX_UPLOAD_BYTES`, … */
function describeDefault(value: ConfigDefault): string {
  if (typeof value !== 'object') return String(value);
  switch (value.rule) {
    case 'port':
      return Object.entries(DEFAULT_PORTS)
        .map(([name, port]) => `${name} ${port}`)
        .join(', ');
    case 'cpus':
      return 'number of CPUs';
    case 'times':
      return `${value.factor} × ${value.of}`;
  }
}

/** Env name → meaning and default, in the order the README and OpenAPI document list them. */
export const CONFIG_VARIABLES = Object.fromEntries(
  (Object.keys(CONFIG_DESCRIPTIONS) as ConfigVariable[]).map((name) => {
    const rule = CONFIG.find((r) => r.name === name);
    if (!rule) throw new Error(`CONFIG has no rule for ${name}`);
    return [name, { default: describeDefault(rule.default), description: CONFIG_DESCRIPTIONS[name] }];
  }),
) as Record<ConfigVariable, { default: string; description: string }>;

export type ConfigResult = { ok: true; config: ServiceConfig } | { ok: false; errors: string[] };

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the service configuration from env by the rules of `CONFIG`. `cpus` is the number of CPUs the process
 * may use. Every invalid variable is reported, by name, so a start-up failure says all that is wrong at once.
 */
export function parseConfig(env: Env, defaults: { port: number; cpus: number }): ConfigResult {
  const errors: string[] = [];
  const values = new Map<ConfigVariable, number | string>();
  const numberOf = (name: ConfigVariable): number => {
    const value = values.get(name);
    if (typeof value !== 'number') throw new Error(`CONFIG reads ${name} too late`);
    return value;
  };
  const fallback = (value: Exclude<ConfigDefault, string>): number => {
    if (typeof value === 'number') return value;
    switch (value.rule) {
      case 'port':
        return defaults.port;
      case 'cpus':
        return Math.max(1, defaults.cpus);
      case 'times':
        return value.factor * numberOf(value.of);
    }
  };
  for (const rule of CONFIG) {
    const raw = env[rule.name];
    const unset = raw === undefined || raw === '';
    switch (rule.kind) {
      case 'integer': {
        const min = typeof rule.min === 'number' ? rule.min : numberOf(rule.min.of);
        let value = fallback(rule.default);
        if (!unset) {
          if (/^[0-9]+$/.test(raw) && Number(raw) >= min && Number(raw) <= rule.max) value = Number(raw);
          else errors.push(`${rule.name} must be an integer from ${min} to ${rule.max}, got "${raw}"`);
        }
        values.set(rule.name, value);
        break;
      }
      case 'string':
        values.set(rule.name, unset ? rule.default : raw);
        break;
      case 'enum':
        if (!unset && !rule.values.includes(raw)) {
          errors.push(`${rule.name} must be one of ${rule.values.join(', ')}, got "${raw}"`);
        }
        values.set(rule.name, unset || !rule.values.includes(raw) ? rule.default : raw);
        break;
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: Object.fromEntries(CONFIG.map((r) => [r.key, values.get(r.name)])) as unknown as ServiceConfig,
  };
}
