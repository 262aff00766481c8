import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeK6, k6Command, k6Env, parseK6Csv, parseK6Summary } from '../src/drivers/k6.js';
import type { LoadSpec } from '../src/drivers/types.js';
import {
  attackArgs,
  parseTimestamp,
  parseVegetaReport,
  parseVegetaResults,
  targetsFile,
  vegetaVersion,
  workerLimits,
} from '../src/drivers/vegeta.js';
import { BENCH_DIR, MULTIPART_BOUNDARY, multipartBody, scenario } from '../src/scenario.js';
import { analyzePhase } from '../src/stats.js';

const fixture = (f: string) => readFileSync(path.join(BENCH_DIR, 'test', 'fixtures', f), 'utf8');

const spec: LoadSpec = {
  target: 'go',
  url: 'http://127.0.0.1:8080',
  scenario: scenario('hd', 'resize800'),
  rate: 40,
  durationS: 15,
  timeoutS: 10,
  sloP99Ms: 500,
  label: 't1-fixed-50%',
  rawDir: '/tmp/raw',
  cpus: '0',
};

describe('vegeta', () => {
  it('reads the pinned version from bench/tools/go.mod', () => {
    expect(vegetaVersion()).toBe('v12.13.0');
    expect(() => vegetaVersion('module x\n')).toThrow(/does not pin/);
  });

  it('builds an open-loop attack: rate, duration, timeout, no body capture, enough workers', () => {
    const args = attackArgs(spec, '/tmp/t.http', '/tmp/out.bin');
    expect(args[0]).toBe('attack');
    expect(args).toContain('-rate=40/1s');
    expect(args).toContain('-duration=15s');
    expect(args).toContain('-timeout=10s');
    expect(args).toContain('-max-body=0');
    expect(args).toContain('-max-workers=450');
    expect(args).toContain('-output=/tmp/out.bin');
    expect(attackArgs({ ...spec, durationS: 1.5 }, 't', 'o')).toContain('-duration=1.5s');
    expect(workerLimits(1, 10)).toEqual({ workers: 10, maxWorkers: 100 });
  });

  it('writes an http-format target with the multipart body from a file', () => {
    expect(targetsFile('http://h/process?grayscale=true', 'multipart/form-data; boundary=b', '/x/body')).toBe(
      'POST http://h/process?grayscale=true\nContent-Type: multipart/form-data; boundary=b\n@/x/body\n',
    );
  });

  it('parses `vegeta report -type=json` (ns → ms)', () => {
    const r = parseVegetaReport(fixture('vegeta-report.json'), 9);
    expect(r.requests).toBe(8);
    expect(r.dropped).toBe(1);
    expect(r.statusCodes).toEqual({ '200': 8 });
    expect(r.latencyMs.p50).toBeCloseTo(40.066877, 6);
    expect(r.latencyMs.p99).toBeCloseTo(57.575459, 6);
    expect(r.errors).toEqual([]);
  });

  it('parses per-request results into samples relative to the first send', () => {
    const s = parseVegetaResults(fixture('vegeta-results.jsonl'));
    expect(s).toHaveLength(7);
    expect(s[0]?.t).toBe(0);
    expect(s.every((x, i) => i === 0 || x.t >= (s[i - 1]?.t ?? 0))).toBe(true);
    expect(s.every((x) => x.status === 200)).toBe(true);
    const st = analyzePhase({ offeredRate: 6, durationS: 1.5, samples: s });
    expect(st.expected).toBe(9);
    expect(st.dropped).toBe(2); // vegeta sent 7 of 9: the generator fell behind, and that is reported
    expect(st.latency.max).toBeCloseTo(1335.94942, 4);
  });

  it('keeps sub-millisecond timestamps', () => {
    expect(
      parseTimestamp('2026-11-29T19:44:06.609304011Z') - parseTimestamp('2026-11-29T19:44:06.609Z'),
    ).toBeCloseTo(
      0.304011,
      3, // epoch milliseconds as doubles keep about 0.2 µs
    );
    expect(parseTimestamp('2026-11-29T19:44:06Z')).toBe(Date.parse('2026-11-29T19:44:06Z'));
  });
});

describe('multipart body (both drivers send the same)', () => {
  it('has one image part with filename and type', () => {
    const mp = multipartBody(Buffer.from('JPEG'), 'photo-hd.jpg');
    expect(mp.contentType).toBe(`multipart/form-data; boundary=${MULTIPART_BOUNDARY}`);
    expect(mp.body.toString()).toBe(
      `--${MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="photo-hd.jpg"\r\n` +
        `Content-Type: image/jpeg\r\n\r\nJPEG\r\n--${MULTIPART_BOUNDARY}--\r\n`,
    );
  });
});

describe('k6', () => {
  it('passes the scenario to the script through env', () => {
    const env = k6Env(spec, { script: 's', image: '/img.jpg', summary: '/s.json', csv: '/c.csv' });
    expect(env).toMatchObject({
      TARGET_URL: 'http://127.0.0.1:8080',
      QUERY: 'grayscale=true&width=800',
      IMAGE_PATH: '/img.jpg',
      IMAGE_NAME: 'photo-hd.jpg',
      RATE: '40',
      DURATION: '15s',
      TIMEOUT_S: '10',
      SLO_P99_MS: '500',
      SUMMARY_PATH: '/s.json',
    });
  });

  it('builds a pinned native command', () => {
    const cmd = k6Command(spec, 'native');
    expect(cmd.slice(0, 5)).toEqual(['taskset', '-c', '0', 'k6', 'run']);
    expect(cmd).toContain('--out');
    expect(cmd).toContain('csv=/tmp/raw/go-t1-fixed-50%.k6.csv');
    expect(cmd).toContain('RATE=40');
    expect(cmd[cmd.length - 1]).toBe(path.join(BENCH_DIR, 'k6', 'process.js'));
  });

  it('builds a compose command from the k6 service mounts', () => {
    const dir = path.join(os.tmpdir(), `bench-compose-${process.pid}`);
    const file = path.join(dir, 'docker-compose.yml');
    const rel = path.relative(dir, path.join(BENCH_DIR, 'k6'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      file,
      `services:\n  k6:\n    image: grafana/k6\n    profiles: [bench]\n    volumes:\n      - ${rel}:/scripts:ro\n      - ./bench/results/k6:/results\n`,
    );
    const c = composeK6(file);
    expect(c).toMatchObject({
      scriptsDir: '/scripts',
      resultsDir: '/results',
      resultsHostDir: path.join(dir, 'bench/results/k6'),
    });
    const cmd = k6Command({ ...spec, url: 'http://go-service:8080' }, 'docker', c);
    expect(cmd.slice(0, 8)).toEqual(['docker', 'compose', '-f', file, '--profile', 'bench', 'run', '--rm']);
    expect(cmd).toContain('IMAGE_PATH=/results/photo-hd.jpg');
    expect(cmd).toContain('TARGET_URL=http://go-service:8080');
    expect(cmd[cmd.length - 1]).toBe('/scripts/process.js');
    writeFileSync(file, 'services:\n  k6:\n    image: grafana/k6\n');
    expect(() => composeK6(file)).toThrow(/must mount bench\/k6 and a results folder/);
  });

  it('parses the handleSummary data', () => {
    const s = parseK6Summary(fixture('k6-summary.json'));
    expect(s).toMatchObject({
      requests: 300,
      dropped: 2,
      statusCodes: { '200': 297, '503': 3 },
      latencyMs: { p50: 38.4, p90: 55.3, p99: 230.7, max: 612.9, mean: 41.2 },
      acceptedP99Ms: 210.4,
      durationS: 10.0125,
    });
  });

  it('reads per-request samples from the CSV output, failures included', () => {
    const s = parseK6Csv(fixture('k6-samples.csv'));
    expect(s.map((x) => [x.t, x.latencyMs, x.status])).toEqual([
      [0, 41.5, 200],
      [500, 38.25, 200],
      [1000, 12, 503],
      [1600, 10000, 0],
    ]);
    expect(s[3]?.error).toBe('request timeout');
    const st = analyzePhase({ offeredRate: 2, durationS: 2, samples: s, dropped: 0 });
    expect(st.errorsByStatus).toEqual({ '0': 1, '503': 1 });
  });
});
