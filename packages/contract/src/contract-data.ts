// The tables of this package as data, for implementations that cannot import TypeScript: `pnpm build` writes
// contract.json (committed, next to openapi.json); go-service generates its Go tables from it (`go generate`).

import { CONFIG, type ConfigRule, DEFAULT_PORTS, EDGE_LIMITS, LINGER_DEFAULTS } from './config.js';
import {
  ERROR_CODES,
  ERRORS,
  INTERNAL_DETAIL,
  PROBLEM_CONTENT_TYPE,
  problemType,
  RETRY_AFTER_SECONDS,
} from './errors.js';
import {
  CACHE_CONTROL,
  IMAGE_PART,
  MULTIPART_CONTENT_TYPE,
  RAW_CONTENT_TYPES,
  REQUEST_ID_HEADER,
  REQUEST_ID_PATTERN,
  ROUTES,
} from './media.js';
import { DURATION_BUCKETS, LINGER_OUTCOMES, METRICS, SHED_REASONS, STAGES } from './metrics.js';
import { CONTRACT_VERSION } from './openapi.js';
import { OPTION_KEYS, OPTIONS, type OptionKey } from './options.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function optionData(name: OptionKey): Json {
  const spec = OPTIONS[name];
  switch (spec.kind) {
    case 'boolean':
      return { name, kind: spec.kind, default: spec.default };
    case 'integer':
      return { name, kind: spec.kind, min: spec.min, max: spec.max, default: spec.default ?? null };
    case 'enum':
      return { name, kind: spec.kind, values: [...spec.values], default: spec.default };
  }
}

function configData(rule: ConfigRule): Json {
  const { name, key, kind } = rule;
  switch (rule.kind) {
    case 'integer':
      return { name, key, kind, default: rule.default, min: rule.min, max: rule.max };
    case 'string':
      return { name, key, kind, default: rule.default };
    case 'enum':
      return { name, key, kind, values: [...rule.values], default: rule.default };
  }
}

/**
 * The data of contract.json. Deterministic: the same tables give the same bytes. A table keyed in TypeScript
 * becomes an array of its entries in the table's order (each entry carrying its key as `name`, `code`, `key` or
 * `path`), since JSON objects have no order; `null` stands for "none" (an option without a default).
 */
export function buildContractData(): Record<string, Json> {
  // Only the source travels: a flag would change what the pattern matches.
  if (REQUEST_ID_PATTERN.flags !== '') throw new Error('REQUEST_ID_PATTERN must have no flags');
  return {
    $comment:
      'Generated from packages/contract/src by `pnpm --filter @rtip/contract build`; do not edit. Read by go-service/internal/contract (`go generate ./...`).',
    CONTRACT_VERSION,
    OPTIONS: OPTION_KEYS.map(optionData),
    ERRORS: ERROR_CODES.map((code) => ({
      code,
      status: ERRORS[code].status,
      title: ERRORS[code].title,
      type: problemType(code),
    })),
    INTERNAL_DETAIL,
    PROBLEM_CONTENT_TYPE,
    RETRY_AFTER_SECONDS,
    CONFIG: CONFIG.map(configData),
    DEFAULT_PORTS: { ...DEFAULT_PORTS },
    LINGER_DEFAULTS: { ...LINGER_DEFAULTS },
    EDGE_LIMITS: { ...EDGE_LIMITS },
    METRICS: Object.entries(METRICS).map(([key, m]) => ({
      key,
      name: m.name,
      type: m.type,
      help: m.help,
      labels: [...m.labels],
    })),
    DURATION_BUCKETS: [...DURATION_BUCKETS],
    STAGES: [...STAGES],
    LINGER_OUTCOMES: [...LINGER_OUTCOMES],
    SHED_REASONS: [...SHED_REASONS],
    RAW_CONTENT_TYPES: [...RAW_CONTENT_TYPES],
    MULTIPART_CONTENT_TYPE,
    IMAGE_PART,
    REQUEST_ID_HEADER,
    CACHE_CONTROL,
    REQUEST_ID_PATTERN: REQUEST_ID_PATTERN.source,
    ROUTES: Object.entries(ROUTES).map(([path, methods]) => ({ path, methods: [...methods] })),
  };
}

/** The exact bytes committed as contract.json. */
export function contractText(): string {
  return `${JSON.stringify(buildContractData(), null, 2)}\n`;
}
