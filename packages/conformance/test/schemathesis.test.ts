// schemathesis, a real OpenAPI client, against every target: it reads the document the service serves, generates
// valid and invalid requests for every operation from it and runs all of its checks on the answers (status codes
// and headers declared, bodies matching their schemas, valid data accepted, invalid data rejected, 405s with
// Allow, no 5xx). Bounded and seeded, so a run is repeatable; schemathesis/hooks.py makes valid images real photos.
//
// The pinned schemathesis lives in .tools/schemathesis (scripts/setup.sh installs it).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../src/services.js';

const targets = inject('targets');
const ST = join(repoRoot(), '.tools', 'schemathesis', 'bin', 'st');
const HOOKS_DIR = join(import.meta.dirname, '..', 'schemathesis');
/** Cases per operation and phase; with the seed below every run sends the same requests. */
const MAX_EXAMPLES = Number(process.env.SCHEMATHESIS_EXAMPLES ?? '50');
const SEED = 20_261_202;

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const cwd = mkdtempSync(join(tmpdir(), 'rtip-st-'));
    const child = spawn(ST, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, output });
    });
  });
}

describe('schemathesis', () => {
  it('is installed (bash scripts/setup.sh)', () => {
    expect(existsSync(ST), `${ST} is missing: run bash scripts/setup.sh`).toBe(true);
  });

  for (const target of targets) {
    it(`${target.name}: every check passes on every operation`, async () => {
      const { code, output } = await run(
        [
          'run',
          `${target.url}/openapi.json`,
          '--url',
          target.url,
          '--checks',
          'all',
          '--max-examples',
          String(MAX_EXAMPLES),
          '--seed',
          String(SEED),
          '--generation-database',
          'none',
          '--workers',
          '1',
          '--request-timeout',
          '30',
          '--no-color',
        ],
        { SCHEMATHESIS_HOOKS: 'hooks', PYTHONPATH: HOOKS_DIR },
      );
      const tail = output.split('\n').slice(-80).join('\n');
      expect(code, `schemathesis exit code; its report:\n${tail}`).toBe(0);
      // A run that tested nothing would also exit 0: every operation it loaded must have been tested (it leaves out
      // GET /openapi.json when it loads the document from there).
      const total = Number(/Operations:\s+\d+ selected \/ (\d+) total/.exec(output)?.[1] ?? 0);
      expect(total, tail).toBeGreaterThanOrEqual(5);
      expect(Number(/Tested: (\d+)/.exec(output)?.[1] ?? 0), tail).toBe(total);
      const generated = Number(/(\d+) generated/.exec(output)?.[1] ?? 0);
      expect(generated, tail).toBeGreaterThan(6 * 10);
    }, 240_000);
  }
});
