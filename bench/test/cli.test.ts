import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IMPLEMENTATIONS } from '@rtip/contract';
import { describe, expect, it } from 'vitest';
import { cpuList, parseOptions, QUICK_TARGETS, stamp } from '../src/cli.js';
import { BENCH_DIR, REPO_DIR, SCENARIOS } from '../src/scenario.js';
import { checkComposeServices, missingComposeServices } from '../src/setup.js';
import {
  BUN,
  checkArtifacts,
  DENO,
  parseTargets,
  RECIPES,
  runtimeBinary,
  TS_MALLOC_ENV,
  TS_START_SCRIPT,
} from '../src/targets.js';

const now = new Date('2026-11-29T19:30:00.123Z');

describe('parseOptions', () => {
  it('defaults: auto mode and driver, every implementation of the contract, hd grayscale, full preset, 1 server CPU / 1 load CPU on 2 cores', () => {
    const o = parseOptions([], 2, now);
    expect(o.targets.map((t) => t.name)).toEqual(IMPLEMENTATIONS);
    expect(IMPLEMENTATIONS).toEqual(['go', 'ts', 'go-vips', 'ts-bun', 'ts-deno']);
    expect(o.targets.every((t) => t.kind === t.name)).toBe(true);
    expect(o).toMatchObject({
      mode: 'auto',
      driver: 'auto',
      image: 'hd',
      op: 'grayscale',
      quick: false,
      durationS: SCENARIOS.presets.full.phaseS,
      trials: 3,
      serverCpus: '1',
      loadCpus: '0',
      sloP99Ms: SCENARIOS.sloP99Ms,
      out: path.join(BENCH_DIR, 'results', '2026-11-29T193000'),
    });
  });

  it('--quick runs the JavaScript runtimes and go-vips unless --targets says otherwise; the suite runs all', () => {
    expect(QUICK_TARGETS).toEqual(['ts', 'go-vips', 'ts-bun', 'ts-deno']);
    expect(parseOptions(['--quick'], 2, now).targets.map((t) => t.name)).toEqual(QUICK_TARGETS);
    expect(parseOptions(['--quick', '--targets', 'go,ts'], 2, now).targets.map((t) => t.name)).toEqual([
      'go',
      'ts',
    ]);
    for (const argv of [['--suite', 'quick'], ['--suite', '--quick'], ['--suite']])
      expect(
        parseOptions(argv, 2, now).targets.map((t) => t.name),
        argv.join(' '),
      ).toEqual(IMPLEMENTATIONS);
  });

  it('--quick switches to the short preset, explicit flags still win', () => {
    const o = parseOptions(['--quick', '--trials', '2'], 2, now);
    expect(o.preset).toEqual(SCENARIOS.presets.quick);
    expect(o.durationS).toBe(SCENARIOS.presets.quick.phaseS);
    expect(o.trials).toBe(2);
  });

  it('accepts every option', () => {
    const o = parseOptions(
      [
        '--mode=native',
        '--driver=vegeta',
        '--targets=go-vips,go,rust=http://127.0.0.1:9000',
        '--image=12mp',
        '--op=thumb320',
        '--duration=7.5',
        '--cpus=2-3/0-1',
        '--out=/tmp/x',
        '--slo-p99-ms=250',
        '--no-build',
      ],
      4,
      now,
    );
    expect(o).toMatchObject({
      mode: 'native',
      driver: 'vegeta',
      targets: [
        { name: 'go-vips', kind: 'go-vips' },
        { name: 'go', kind: 'go' },
        { name: 'rust', kind: 'external', url: 'http://127.0.0.1:9000' },
      ],
      image: '12mp',
      op: 'thumb320',
      durationS: 7.5,
      serverCpus: '2-3',
      loadCpus: '0-1',
      out: '/tmp/x',
      sloP99Ms: 250,
      noBuild: true,
    });
  });

  it('ignores the "--" pnpm passes through', () => {
    expect(parseOptions(['--', '--quick'], 2, now).quick).toBe(true);
  });

  it.each([
    [['--mode=podman'], /--mode must be one of docker, native/],
    [['--driver=wrk'], /--driver must be one of k6, vegeta/],
    [['--image=huge'], /--image must be one of small, hd, 12mp/],
    [['--op=blur'], /--op must be one of/],
    [['--trials=1.5'], /--trials must be a positive integer/],
    [['--duration=0'], /--duration must be a positive number/],
    [['--cpus=5/0'], /CPU 5 does not exist/],
    [['--cpus=a'], /not a CPU list/],
    [['--targets=go,python'], /unknown target "python" \(go, ts, go-vips, ts-bun, ts-deno or name=url\)/],
    [['--targets=x=ftp://h'], /needs name=http/],
    [['--targets=go,go'], /names must differ/],
    [['--bogus'], /Unknown option/],
    [['extra'], /unexpected argument/],
  ])('rejects %j', (argv, msg) => {
    expect(() => parseOptions(argv, 2, now)).toThrow(msg);
  });
});

describe('targets', () => {
  it('every implementation has a recipe: artifact, build package, compose service', () => {
    for (const k of IMPLEMENTATIONS) {
      expect(RECIPES[k].buildPackage).toMatch(/^@rtip\//);
      expect(RECIPES[k].composeService).toBeTruthy();
    }
    for (const k of ['go', 'ts', 'go-vips'] as const)
      expect(RECIPES[k].command.at(-1)).toBe(RECIPES[k].artifact);
    expect(RECIPES['go-vips'].artifact).toBe(path.join(REPO_DIR, 'go-service', 'bin', 'go-service-vips'));
    expect(RECIPES['go-vips'].composeService).toBe('go-vips');
  });

  it('ts-bun and ts-deno: the TS package, started by its start script on the pinned Bun and Deno, malloc settings included', () => {
    const script = readFileSync(TS_START_SCRIPT, 'utf8');
    for (const [k, runtime, entry] of [
      ['ts-bun', 'bun', 'main-bun.js'],
      ['ts-deno', 'deno', 'main-deno.js'],
    ] as const) {
      const r = RECIPES[k];
      const binary = runtime === 'bun' ? BUN : DENO;
      expect(r).toMatchObject({
        buildPackage: '@rtip/ts-service',
        composeService: k,
        artifact: path.join(REPO_DIR, 'apps', 'ts-service', 'dist', entry),
        command: ['sh', TS_START_SCRIPT, runtime],
        runtime: { name: runtime, binary },
      });
      // The script starts that very file on the binary the harness names (BUN / DENO).
      expect(script).toMatch(
        new RegExp(`${runtime}\\) .*\\$\\{${runtime.toUpperCase()}:-${runtime}\\}.*dist/${entry}`),
      );
      expect(r.env).toEqual({ ...TS_MALLOC_ENV, [runtime.toUpperCase()]: binary });
      expect(Object.keys(TS_MALLOC_ENV).sort()).toEqual([
        'MALLOC_ARENA_MAX',
        'MALLOC_MMAP_THRESHOLD_',
        'MALLOC_TRIM_THRESHOLD_',
      ]);
      // The probe runs the same binary in the app's folder (where Deno finds its node_modules).
      expect(r.probe.file).toBe(RECIPES.ts.probe.file);
      expect(r.probe.command[0]).toBe(binary);
      expect(r.probe.command.at(-1)).toBe(r.probe.file);
      expect(r.probe.cwd).toBe(path.join(REPO_DIR, 'apps', 'ts-service'));
      expect(r.profile.sources).toEqual({ kind: 'tree', dir: 'apps/ts-service/src', runtime: k });
      expect(r.profile.nativeFiles()[0]).toBe(binary);
    }
    expect(RECIPES['ts-deno'].probe.command.slice(1, 3)).toEqual(['run', '-A']);
    expect(RECIPES.ts.profile.sources).toEqual({ kind: 'tree', dir: 'apps/ts-service/src', runtime: 'ts' });
  });

  it('prefers the pinned runtime binary in .tools/bin, then PATH, else the bare name', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-bin-'));
    writeFileSync(path.join(dir, 'no-such-runtime-x'), '');
    expect(runtimeBinary('no-such-runtime-x', `/nonexistent${path.delimiter}${dir}`)).toBe(
      path.join(dir, 'no-such-runtime-x'),
    );
    expect(runtimeBinary('no-such-runtime-y', dir)).toBe('no-such-runtime-y');
    if (existsSync(path.join(REPO_DIR, '.tools', 'bin', 'bun')))
      expect(runtimeBinary('bun', dir)).toBe(path.join(REPO_DIR, '.tools', 'bin', 'bun'));
  });

  it('a missing binary stops the run before it starts, naming the file and the way round it', () => {
    const targets = parseTargets('go,ts,go-vips,rust=http://127.0.0.1:9000');
    const noVips = (f: string) => !f.endsWith('go-service-vips');
    expect(() => checkArtifacts(targets, noVips)).toThrow(
      'cannot start go-vips:\n  go-vips: go-service/bin/go-service-vips does not exist (made by `pnpm --filter @rtip/go-service build`)\nbuild it, or leave go-vips out: --targets go,ts,rust=http://127.0.0.1:9000',
    );
    expect(() => checkArtifacts(targets, () => true)).not.toThrow();
    expect(() => checkArtifacts(parseTargets('rust=http://h:1'), () => false)).not.toThrow();
  });

  it('a missing Bun or Deno stops the run too, saying where the pinned one comes from', () => {
    const noDeno = (f: string) => f !== DENO;
    expect(() => checkArtifacts(parseTargets('go,ts-bun,ts-deno'), noDeno)).toThrow(
      'cannot start ts-deno:\n  ts-deno: no deno binary in .tools/bin or on PATH (`bash scripts/setup.sh` puts the pinned one in .tools/bin)\ninstall or build it, or leave ts-deno out: --targets go,ts-bun',
    );
  });
});

describe('helpers', () => {
  it('expands CPU lists', () => {
    expect(cpuList('1')).toEqual([1]);
    expect(cpuList('0-2,5')).toEqual([0, 1, 2, 5]);
  });
  it('stamps folders without colons', () => {
    expect(stamp(now)).toBe('2026-11-29T193000');
  });
  it('reads a relative --out from where the command was typed (pnpm runs the script in bench/)', () => {
    const before = process.env.INIT_CWD;
    process.env.INIT_CWD = REPO_DIR;
    try {
      expect(parseOptions(['--out', 'bench/results/ci'], 2, now).out).toBe(
        path.join(BENCH_DIR, 'results', 'ci'),
      );
    } finally {
      if (before === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = before;
    }
  });
});

describe('docker mode', () => {
  it('names the compose services a run needs and the file lacks', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-compose-'));
    const file = path.join(dir, 'docker-compose.yml');
    writeFileSync(file, 'services:\n  go-service: {}\n  ts-service: {}\n');
    expect(() => checkComposeServices(parseTargets('go,ts'), file)).not.toThrow();
    expect(() => checkComposeServices(parseTargets('go,ts,go-vips'), file)).toThrow(/has no service go-vips/);
    expect(() => checkComposeServices(parseTargets('ts,ts-bun,ts-deno'), file)).toThrow(
      /has no service ts-bun, ts-deno/,
    );
    // auto mode picks native instead when a target has no service
    expect(missingComposeServices(parseTargets('go,ts,ts-bun'), file)).toEqual(['ts-bun']);
    expect(missingComposeServices(parseTargets('go,ts'), file)).toEqual([]);
  });
});
