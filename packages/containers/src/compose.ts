// Reads docker-compose.yml the way Compose does for the parts we check: YAML merge keys, then `${VAR:-default}`.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Healthcheck {
  test?: string | string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

export interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  ports?: (string | number | { target?: number; published?: number | string })[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: Healthcheck;
  profiles?: string[];
  restart?: string;
  cpus?: string | number;
  cpuset?: string;
  mem_limit?: string | number;
  memswap_limit?: string | number;
  deploy?: { resources?: { limits?: Record<string, unknown>; reservations?: Record<string, unknown> } };
  stop_grace_period?: string;
  user?: string;
  volumes?: (string | { type?: string; source?: string; target?: string; read_only?: boolean })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  command?: string | string[];
  [key: string]: unknown;
}

export interface Compose {
  services?: Record<string, Service | null>;
  [key: string]: unknown;
}

/**
 * Compose interpolation: `$$` is a literal `$`; `${VAR}`, `$VAR`; `${VAR:-d}` (unset or empty → d);
 * `${VAR-d}` (unset → d); `${VAR:?msg}` / `${VAR?msg}` fail when missing.
 */
export function interpolate(text: string, env: Env): string {
  return text.replace(
    /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^}])*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_whole, dollar: string | undefined, braced, op: string | undefined, arg: string | undefined, bare) => {
      if (dollar !== undefined) return '$';
      const name = (braced ?? bare) as string;
      const value = env[name];
      const missing = op?.startsWith(':') ? value === undefined || value === '' : value === undefined;
      if (op === undefined || !missing) return value ?? '';
      if (op.endsWith('?')) throw new Error(`required variable ${name} is missing: ${arg ?? ''}`);
      return interpolate(arg ?? '', env);
    },
  );
}

function interpolateDeep(value: unknown, env: Env): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)]));
  }
  return value;
}

/** Parses compose YAML text; `env` stands for the shell environment Compose would interpolate from. */
export function parseCompose(text: string, env: Env = {}): Compose {
  const doc: unknown = parse(text, { merge: true });
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error('the compose file is not a mapping');
  }
  return interpolateDeep(doc, env) as Compose;
}

export function loadCompose(path: string, env: Env = {}): Compose {
  return parseCompose(readFileSync(path, 'utf8'), env);
}

/** `environment` as a map, from either the mapping or the `KEY=value` list form. */
export function serviceEnv(service: Service): Map<string, string> {
  const env = new Map<string, string>();
  const raw = service.environment;
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const eq = item.indexOf('=');
      if (eq > 0) env.set(item.slice(0, eq), item.slice(eq + 1));
    }
  } else if (raw !== undefined) {
    for (const [k, v] of Object.entries(raw)) env.set(k, v === null ? '' : String(v));
  }
  return env;
}

/** Published→container port pairs, from the short (`"8080:8080"`) and long syntax. */
export function servicePorts(service: Service): { published: string; target: string }[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object')
      return { published: String(p.published ?? ''), target: String(p.target ?? '') };
    // [ip:]published:target[/proto]
    const parts = String(p)
      .replace(/\/\w+$/, '')
      .split(':');
    const target = parts.at(-1) ?? '';
    return { published: parts.length > 1 ? (parts.at(-2) ?? '') : '', target };
  });
}

/** Bind mounts as source→target with the read-only flag, from the short and long syntax. */
export function serviceVolumes(service: Service): { source: string; target: string; readOnly: boolean }[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v === 'object') {
      return { source: v.source ?? '', target: v.target ?? '', readOnly: v.read_only === true };
    }
    const [source = '', target = '', mode = ''] = v.split(':');
    return { source, target, readOnly: mode.split(',').includes('ro') };
  });
}

export function buildOf(service: Service): { context: string; dockerfile: string } | undefined {
  const build = service.build;
  if (build === undefined) return undefined;
  if (typeof build === 'string') return { context: build, dockerfile: 'Dockerfile' };
  return { context: build.context ?? '.', dockerfile: build.dockerfile ?? 'Dockerfile' };
}

/** Compose durations (`1m30s`, `15s`, `500ms`) in milliseconds; NaN when unreadable. */
export function durationMs(text: string | undefined): number {
  if (text === undefined) return Number.NaN;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  let total = 0;
  let rest = text.trim();
  if (rest === '') return Number.NaN;
  while (rest !== '') {
    const match = /^(\d+(?:\.\d+)?)(ms|us|h|m|s)/.exec(rest);
    if (match === null) return Number.NaN;
    total += Number(match[1]) * (units[match[2] ?? ''] ?? Number.NaN);
    rest = rest.slice(match[0].length);
  }
  return total;
}
