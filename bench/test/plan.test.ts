// The capacity plan, the pipeline probe's interface and the per-request overhead row.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { capacityPlan, PLAN_DEFAULTS } from '../src/plan.js';
import { parseProbeOutput, probeArgs, probeIterations, runProbe } from '../src/probe.js';
import { planSection } from '../src/report/document.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { headlineTable } from '../src/report/table.js';
import { scenario } from '../src/scenario.js';
import { spread } from '../src/stats.js';
import { results, target } from './synthetic.js';

describe('capacity plan', () => {
  it('cores and pods for the planned rate from capacity per core, and USD per million images', () => {
    const [go, ts] = capacityPlan(
      [
        { name: 'go', capacity: 26, cpus: 1 },
        { name: 'ts', capacity: 50, cpus: 2 },
      ],
      { rate: 1000, podCpus: 2, coreHourUsd: 0.04 },
    );
    expect(go).toMatchObject({ perCore: 26, cores: 39, pods: 20 });
    expect(go?.usdPerMillion).toBeCloseTo((0.04 * 1e6) / (26 * 3600), 9);
    expect(go?.usdPerMillionPods).toBeCloseTo((20 * 2 * 0.04 * 1e6) / (1000 * 3600), 9);
    expect(ts).toMatchObject({ perCore: 25, cores: 40, pods: 20 });
  });

  it('no capacity, no plan: NaN, never a division by zero', () => {
    const [x] = capacityPlan([{ name: 'x', capacity: 0, cpus: 1 }], PLAN_DEFAULTS);
    expect([x?.cores, x?.pods, x?.usdPerMillion].every(Number.isNaN)).toBe(true);
  });

  it('the report states the settings and labels the price an assumption', () => {
    const r = results([target('go', { capacity: 20 }), target('ts', { capacity: 40 })]);
    r.plan = { rate: 500, podCpus: 4, coreHourUsd: 0.1 };
    const s = planSection(r);
    const md = renderMarkdown(r);
    expect(md).toContain('## Capacity plan');
    expect(md).toContain('for 500 images/s at the SLO, pods of 4 CPUs, $0.1 per core-hour (assumption)');
    expect(md).toContain('| cores for 500 images/s | 25 | 13 |');
    expect(md).toContain('| pods of 4 CPUs | 7 | 4 |');
    expect(JSON.stringify(s)).toContain('**assumption**');
  });
});

describe('pipeline probe', () => {
  it('reads the one JSON line; anything else is an error', () => {
    const line =
      '{"implementation":"go","image":"photo-hd.jpg","query":"grayscale=true","iterations":20,"rate":22,"cpuMsPerImage":28.5,"wallMsPerImage":29.1}';
    expect(parseProbeOutput(`warming up\n${line}\n`)).toEqual({
      cpuMsPerImage: 28.5,
      wallMsPerImage: 29.1,
      iterations: 20,
      rate: 22,
    });
    // A probe that does not say at which pace it ran (an old build) gives no figure.
    expect(() => parseProbeOutput(line.replace('"rate":22,', ''))).toThrow(/"rate" is not a number/);
    expect(() => parseProbeOutput('no json')).toThrow(/no JSON line/);
    expect(() => parseProbeOutput('{"cpuMsPerImage":"x","wallMsPerImage":1,"iterations":1}')).toThrow(
      /cpuMsPerImage/,
    );
  });

  it('arguments and iteration counts', () => {
    const s = scenario('hd', 'resize800');
    expect(probeArgs(s, 20, 4, 22)).toEqual([
      '--image',
      s.imagePath,
      '--query',
      'grayscale=true&width=800',
      '--iterations',
      '20',
      '--warmup',
      '4',
      '--rate',
      '22',
    ]);
    // About one phase long at the fixed load's rate, within bounds.
    expect(probeIterations(30, 2)).toEqual({ iterations: 60, warmup: 12 });
    expect(probeIterations(22, 15)).toEqual({ iterations: 300, warmup: 20 });
    expect(probeIterations(0, 2)).toEqual({ iterations: 5, warmup: 1 });
  });

  const run = {
    scenario: scenario('hd', 'grayscale'),
    cpus: '0',
    concurrency: 1,
    iterations: 3,
    warmup: 1,
    rate: 16,
    mode: 'native' as const,
  };

  it('a missing probe file or an external target is n/a, never a failed run', async () => {
    expect(
      await runProbe({ name: 'go', kind: 'go' }, run, {
        file: '/nonexistent/pipeline-cpu',
        command: ['/nonexistent/pipeline-cpu'],
      }),
    ).toEqual({
      status: 'missing',
      reason: 'probe missing (pipeline-cpu)',
    });
    expect((await runProbe({ name: 'x', kind: 'external', url: 'http://127.0.0.1:1' }, run)).status).toBe(
      'n/a',
    );
    expect((await runProbe({ name: 'go', kind: 'go' }, { ...run, mode: 'docker' })).status).toBe('n/a');
  });

  it('runs the probe pinned, with its arguments and the server’s env; a failing probe is a failed result', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-probe-'));
    const ok = path.join(dir, 'probe.sh');
    writeFileSync(
      ok,
      '#!/bin/sh\necho "{\\"implementation\\":\\"go\\",\\"args\\":\\"$*\\",\\"iterations\\":3,\\"rate\\":16,\\"cpuMsPerImage\\":$GOMAXPROCS.5,\\"wallMsPerImage\\":2}"\n',
    );
    const bad = path.join(dir, 'bad.sh');
    writeFileSync(bad, '#!/bin/sh\necho "cannot decode" >&2\nexit 3\n');
    chmodSync(ok, 0o755);
    chmodSync(bad, 0o755);
    const r = await runProbe({ name: 'go', kind: 'go' }, run, { file: ok, command: [ok] });
    expect(r).toMatchObject({
      status: 'ok',
      cpuMsPerImage: 1.5,
      wallMsPerImage: 2,
      iterations: 3,
      warmup: 1,
      rate: 16,
    });
    if (r.status === 'ok') expect(r.command).toContain(`taskset -c 0 ${ok} --image`);
    if (r.status === 'ok') expect(r.command).toMatch(/--warmup 1 --rate 16$/);
    // A probe with a cwd (Bun's and Deno's run in the app's folder) runs there.
    const here = path.join(dir, 'here.sh');
    writeFileSync(here, `#!/bin/sh\n[ "$(pwd)" = "${dir}" ] || exit 4\nexec ${ok}\n`);
    chmodSync(here, 0o755);
    expect((await runProbe({ name: 'go', kind: 'go' }, run, { file: here, command: [here] })).status).toBe(
      'failed',
    );
    expect(
      (await runProbe({ name: 'go', kind: 'go' }, run, { file: here, command: [here], cwd: dir })).status,
    ).toBe('ok');
    expect(await runProbe({ name: 'go', kind: 'go' }, run, { file: bad, command: [bad] })).toEqual({
      status: 'failed',
      reason: 'exit 3: cannot decode',
    });
  });
});

describe('per-request overhead row', () => {
  it('service CPU per request at the fixed load minus the probe’s CPU per image, per trial', () => {
    const go = target('go', { cpuMs: 40 });
    const ts = target('ts', { cpuMs: 30 });
    go.probe = {
      status: 'ok',
      command: 'x',
      iterations: 10,
      warmup: 2,
      rate: 16,
      cpuMsPerImage: 36.5,
      wallMsPerImage: 37,
    };
    ts.probe = { status: 'missing', reason: 'probe missing (pipeline-cpu.ts)' };
    // Trial records: the overhead is taken per trial, so it gets its own median and range.
    const fixed = go.phases.find((p) => p.name === 'fixed-80%');
    if (!fixed) throw new Error('fixed phase');
    fixed.trials = [39, 40, 42].map((cpu) => ({ resources: { cpuMsPerOk: cpu } }) as never);
    fixed.summary.cpuMsPerOk = spread([39, 40, 42]);
    const h = headlineTable(results([go, ts]));
    const probe = h.rows.find((r) => r.label.startsWith('pipeline CPU ms per image'));
    const over = h.rows.find((r) => r.label.startsWith('overhead (HTTP, body, multipart, metrics, logs)'));
    expect(probe?.cells).toEqual(['36.50', 'n/a: probe missing (pipeline-cpu.ts)']);
    expect(over?.label).toBe(
      'overhead (HTTP, body, multipart, metrics, logs): CPU ms per request @ 16 req/s',
    );
    expect(over?.cells).toEqual(['3.50 [2.50–5.50]', 'n/a: probe missing (pipeline-cpu.ts)']);
    expect(over?.ratios).toEqual(['—']);
    expect(probe?.label).toBe('pipeline CPU ms per image (in-process probe, no HTTP) @ 16 images/s');
    // A probe of results before v4 ran back to back: not subtracted from a paced service.
    if (go.probe.status === 'ok') delete go.probe.rate;
    const old = headlineTable(results([go, ts]));
    expect(old.rows.find((r) => r.label.startsWith('overhead'))?.cells[0]).toBe(
      'n/a: probe run back to back (results before v4)',
    );
  });

  it('results from before v3 say the probe was not measured', () => {
    const h = headlineTable(results([target('go'), target('ts')]));
    expect(h.rows.find((r) => r.label.startsWith('overhead'))?.cells).toEqual([
      'n/a: not measured (results before v3)',
      'n/a: not measured (results before v3)',
    ]);
  });
});
