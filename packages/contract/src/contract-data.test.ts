import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG, DEFAULT_PORTS, EDGE_LIMITS, LINGER_DEFAULTS } from './config.js';
import { buildContractData, contractText } from './contract-data.js';
import { ERROR_CODES, ERRORS, RETRY_AFTER_SECONDS } from './errors.js';
import { ROUTES } from './media.js';
import { DURATION_BUCKETS, METRICS } from './metrics.js';
import { OPTION_KEYS, OPTIONS } from './options.js';
import { CONTRACT_FILE } from './paths.js';

describe('contract.json', () => {
  it('is committed exactly as generated (run `pnpm build` after changing the tables)', () => {
    expect(readFileSync(CONTRACT_FILE, 'utf8')).toBe(contractText());
  });

  it('holds every table, in the tables’ order', () => {
    const data = JSON.parse(contractText()) as Record<string, unknown>;
    expect(data).toEqual(JSON.parse(JSON.stringify(buildContractData())));
    expect((data.OPTIONS as { name: string }[]).map((o) => o.name)).toEqual(OPTION_KEYS);
    expect((data.ERRORS as { code: string }[]).map((e) => e.code)).toEqual(ERROR_CODES);
    expect((data.CONFIG as { name: string }[]).map((c) => c.name)).toEqual(CONFIG.map((r) => r.name));
    expect((data.METRICS as { key: string }[]).map((m) => m.key)).toEqual(Object.keys(METRICS));
    expect((data.ROUTES as { path: string }[]).map((r) => r.path)).toEqual(Object.keys(ROUTES));
    expect(data).toMatchObject({
      DEFAULT_PORTS,
      EDGE_LIMITS,
      LINGER_DEFAULTS,
      DURATION_BUCKETS,
      RETRY_AFTER_SECONDS,
    });
  });

  it('keeps what JSON would drop: an option without a default says null', () => {
    const data = JSON.parse(contractText()) as { OPTIONS: Record<string, unknown>[] };
    for (const option of data.OPTIONS) {
      expect(option, String(option.name)).toHaveProperty('default');
      expect(option.default ?? undefined).toBe(OPTIONS[option.name as keyof typeof OPTIONS].default);
    }
  });

  it('gives each error its status, title and problem type', () => {
    const data = JSON.parse(contractText()) as { ERRORS: Record<string, unknown>[] };
    for (const e of data.ERRORS) {
      const code = e.code as keyof typeof ERRORS;
      expect(e).toEqual({
        code,
        status: ERRORS[code].status,
        title: ERRORS[code].title,
        type: `/problems/${code.toLowerCase().replaceAll('_', '-')}`,
      });
    }
  });
});
