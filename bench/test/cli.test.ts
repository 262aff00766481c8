import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IMPLEMENTATIONS } from '@rtip/contract';
import { describe, expect, it } from 'vitest';
import { cpuList, parseOptions, stamp } from '../src/cli.js';
import { BENCH_DIR, REPO_DIR, SCENARIOS } from '../src/scenario.js';
import { checkComposeServices } from '../src/setup.js';
import { checkArtifacts, parseTargets, RECIPES } from '../src/targets.js';

const now = new Date('2026-11-29T19:30:00.123Z');

describe('parseOptions', () => {
  it('defaults: auto mode and driver, every implementation of the contract, hd grayscale, full preset, 1 server CPU / 1 load CPU on 2 cores', () => {
    const o = parseOptions([], 2, now);
    expect(o.targets.map((t) => t.name)).toEqual(IMPLEMENTATIONS);
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
    [['--targets=go,python'], /unknown target "python" \(go, ts, go-vips or name=url\)/],
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
      expect(RECIPES[k].command.at(-1)).toBe(RECIPES[k].artifact);
    }
    expect(RECIPES['go-vips'].artifact).toBe(path.join(REPO_DIR, 'go-service', 'bin', 'go-service-vips'));
    expect(RECIPES['go-vips'].composeService).toBe('go-vips');
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
  });
});
