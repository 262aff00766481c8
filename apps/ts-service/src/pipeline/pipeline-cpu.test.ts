// bench/pipeline-cpu.ts, the pipeline probe the benchmark harness runs: its arguments, its one JSON line, its errors.
// It runs the built pipeline (pnpm test builds first), as the harness runs it: `node bench/pipeline-cpu.ts ...`.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES_DIR } from '@rtip/contract';
import { describe, expect, it } from 'vitest';

const PROBE = fileURLToPath(new URL('../../bench/pipeline-cpu.ts', import.meta.url));
const IMAGE = join(FIXTURES_DIR, 'photo-small.jpg');

const probe = (...args: string[]) => {
  const r = spawnSync(process.execPath, [PROBE, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('bench/pipeline-cpu.ts', () => {
  it('prints one JSON line: implementation, image, query, iterations, CPU and wall ms per image', () => {
    const query = 'grayscale=true&width=320';
    const r = probe('--image', IMAGE, '--query', query, '--iterations', '3', '--warmup', '1');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0] as string);
    expect(Object.keys(out)).toEqual([
      'implementation',
      'image',
      'query',
      'iterations',
      'rate',
      'cpuMsPerImage',
      'wallMsPerImage',
    ]);
    expect(out).toMatchObject({
      implementation: 'ts',
      image: 'photo-small.jpg',
      query,
      iterations: 3,
      rate: 0,
    });
    expect(out.cpuMsPerImage).toBeGreaterThan(0);
    expect(out.wallMsPerImage).toBeGreaterThan(0);
  });

  it('starts the images on the schedule --rate gives, and counts only the time inside the pipeline as wall', () => {
    const started = performance.now();
    const r = probe('--image', IMAGE, '--iterations', '4', '--warmup', '0', '--rate', '10');
    const elapsed = performance.now() - started;
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.rate).toBe(10);
    // Images at 0, 100, 200 and 300 ms: the last starts 300 ms after the first; each takes a few ms.
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(out.wallMsPerImage).toBeLessThan(75);
  });

  it.each([
    [['--query', 'grayscale=true'], /--image is required/],
    [['--image', IMAGE, '--iterations', '0'], /--iterations must be an integer ≥ 1, got "0"/],
    [['--image', IMAGE, '--warmup', '-1'], /--warmup/],
    [['--image', IMAGE, '--rate=-1'], /--rate must be a number of images per second/],
    [['--image', IMAGE, '--rate', 'fast'], /--rate must be a number of images per second/],
    [['--image', IMAGE, '--frames', '2'], /Unknown option '--frames'/],
    [['--image', IMAGE, 'extra'], /Unexpected argument 'extra'/],
  ])('refuses %j with the usage (exit 2)', (args, message) => {
    const r = probe(...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^usage: pipeline-cpu --image FILE/m);
  });

  it.each([
    [['--image', IMAGE, '--query', 'width=abc'], /^pipeline-cpu: --query: .*width/],
    [['--image', join(FIXTURES_DIR, 'no-such.jpg')], /^pipeline-cpu: .*ENOENT/],
    [['--image', join(FIXTURES_DIR, 'truncated.jpg'), '--iterations', '1'], /^pipeline-cpu: .*corrupt/],
  ])('fails %j with one line on stderr (exit 1)', (args, message) => {
    const r = probe(...args);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});
