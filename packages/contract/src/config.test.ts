import { describe, expect, it } from 'vitest';
import { CONFIG, CONFIG_VARIABLES, LINGER_DEFAULTS, MAX_TIMER_MS, parseConfig } from './config.js';

const defaults = { port: 8081, cpus: 2 };

describe('parseConfig', () => {
  it('uses the defaults of the contract', () => {
    expect(parseConfig({}, defaults)).toEqual({
      ok: true,
      config: {
        port: 8081,
        host: '0.0.0.0',
        maxUploadBytes: 26_214_400,
        maxInflightUploadBytes: 4 * 26_214_400,
        uploadTimeoutMs: 30_000,
        maxInputPixels: 50_000_000,
        concurrency: 2,
        queueDepth: 8,
        requestTimeoutMs: 30_000,
        shutdownTimeoutMs: 10_000,
        lingerTimeoutMs: 30_000,
        lingerIdleMs: 5_000,
        maxLingering: 256,
        logLevel: 'info',
      },
    });
  });

  it('reads every variable', () => {
    const result = parseConfig(
      {
        PORT: '9000',
        HOST: '127.0.0.1',
        MAX_UPLOAD_BYTES: '1000',
        MAX_INFLIGHT_UPLOAD_BYTES: '1000',
        UPLOAD_TIMEOUT_MS: '90',
        MAX_INPUT_PIXELS: '2000',
        CONCURRENCY: '3',
        QUEUE_DEPTH: '0',
        REQUEST_TIMEOUT_MS: '50',
        SHUTDOWN_TIMEOUT_MS: '60',
        LINGER_TIMEOUT_MS: '700',
        LINGER_IDLE_MS: '80',
        MAX_LINGERING: '0',
        LOG_LEVEL: 'debug',
      },
      defaults,
    );
    expect(result).toEqual({
      ok: true,
      config: {
        port: 9000,
        host: '127.0.0.1',
        maxUploadBytes: 1000,
        maxInflightUploadBytes: 1000,
        uploadTimeoutMs: 90,
        maxInputPixels: 2000,
        concurrency: 3,
        queueDepth: 0,
        requestTimeoutMs: 50,
        shutdownTimeoutMs: 60,
        lingerTimeoutMs: 700,
        lingerIdleMs: 80,
        maxLingering: 0,
        logLevel: 'debug',
      },
    });
  });

  it('takes its linger defaults from LINGER_DEFAULTS and documents every variable', () => {
    expect(parseConfig({}, defaults)).toMatchObject({
      config: {
        lingerTimeoutMs: LINGER_DEFAULTS.timeoutMs,
        lingerIdleMs: LINGER_DEFAULTS.idleMs,
        maxLingering: LINGER_DEFAULTS.max,
      },
    });
    expect(CONFIG_VARIABLES.LINGER_TIMEOUT_MS.default).toBe(String(LINGER_DEFAULTS.timeoutMs));
    expect(CONFIG_VARIABLES.LINGER_IDLE_MS.default).toBe(String(LINGER_DEFAULTS.idleMs));
    expect(CONFIG_VARIABLES.MAX_LINGERING.default).toBe(String(LINGER_DEFAULTS.max));
  });

  it('derives QUEUE_DEPTH from CONCURRENCY and the upload budget from MAX_UPLOAD_BYTES', () => {
    expect(parseConfig({ CONCURRENCY: '5' }, defaults)).toMatchObject({ config: { queueDepth: 20 } });
    expect(parseConfig({ MAX_UPLOAD_BYTES: '1000' }, defaults)).toMatchObject({
      config: { maxInflightUploadBytes: 4000 },
    });
  });

  it('refuses an upload budget smaller than one upload', () => {
    const result = parseConfig({ MAX_UPLOAD_BYTES: '1000', MAX_INFLIGHT_UPLOAD_BYTES: '999' }, defaults);
    expect(result).toEqual({
      ok: false,
      errors: ['MAX_INFLIGHT_UPLOAD_BYTES must be an integer from 1000 to 9007199254740991, got "999"'],
    });
  });

  it('reports every invalid variable by name', () => {
    const result = parseConfig(
      {
        PORT: '70000',
        CONCURRENCY: '0',
        MAX_UPLOAD_BYTES: 'lots',
        REQUEST_TIMEOUT_MS: '-1',
        LINGER_TIMEOUT_MS: '0',
        LINGER_IDLE_MS: '2147483648',
        MAX_LINGERING: 'many',
        UPLOAD_TIMEOUT_MS: '0',
        LOG_LEVEL: 'loud',
      },
      defaults,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.split(' ')[0])).toEqual([
      'CONCURRENCY',
      'MAX_UPLOAD_BYTES',
      'PORT',
      'UPLOAD_TIMEOUT_MS',
      'REQUEST_TIMEOUT_MS',
      'LINGER_TIMEOUT_MS',
      'LINGER_IDLE_MS',
      'MAX_LINGERING',
      'LOG_LEVEL',
    ]);
  });

  it('has one rule per variable, for every field, reading only variables read before', () => {
    expect(CONFIG.map((r) => r.name).sort()).toEqual(Object.keys(CONFIG_VARIABLES).sort());
    const keys = CONFIG.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    const config = parseConfig({}, defaults);
    expect(config.ok && Object.keys(config.config).sort()).toEqual([...keys].sort());
    const read = new Set<string>();
    for (const rule of CONFIG) {
      if (rule.kind === 'integer') {
        if (typeof rule.default === 'object' && rule.default.rule === 'times') {
          expect(read, rule.name).toContain(rule.default.of);
        }
        if (typeof rule.min === 'object') expect(read, rule.name).toContain(rule.min.of);
      }
      read.add(rule.name);
    }
  });

  it('bounds every timeout by what a timer takes', () => {
    for (const name of [
      'UPLOAD_TIMEOUT_MS',
      'REQUEST_TIMEOUT_MS',
      'SHUTDOWN_TIMEOUT_MS',
      'LINGER_TIMEOUT_MS',
      'LINGER_IDLE_MS',
    ]) {
      expect(parseConfig({ [name]: String(MAX_TIMER_MS) }, defaults).ok, name).toBe(true);
      expect(parseConfig({ [name]: String(MAX_TIMER_MS + 1) }, defaults), name).toMatchObject({
        ok: false,
        errors: [
          expect.stringMatching(new RegExp(`^${name} must be an integer from [01] to ${MAX_TIMER_MS}, got`)),
        ],
      });
    }
  });

  it('describes the default of every variable from its rule', () => {
    expect(CONFIG_VARIABLES.PORT.default).toBe('go 8080, ts 8081, go-vips 8082, ts-bun 8083, ts-deno 8084');
    expect(CONFIG_VARIABLES.CONCURRENCY.default).toBe('number of CPUs');
    expect(CONFIG_VARIABLES.QUEUE_DEPTH.default).toBe('4 × CONCURRENCY');
    expect(CONFIG_VARIABLES.MAX_INFLIGHT_UPLOAD_BYTES.default).toBe('4 × MAX_UPLOAD_BYTES');
    expect(CONFIG_VARIABLES.MAX_UPLOAD_BYTES.default).toBe('26214400');
    expect(CONFIG_VARIABLES.LOG_LEVEL.default).toBe('info');
  });
});
