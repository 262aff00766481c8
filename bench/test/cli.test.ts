import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuList, parseOptions, stamp } from '../src/cli.js';
import { BENCH_DIR, SCENARIOS } from '../src/scenario.js';

const now = new Date('2026-11-29T19:30:00.123Z');

describe('parseOptions', () => {
  it('defaults: auto mode and driver, go and ts, hd grayscale, full preset, 1 server CPU / 1 load CPU on 2 cores', () => {
    const o = parseOptions([], 2, now);
    expect(o).toMatchObject({
      mode: 'auto',
      driver: 'auto',
      targets: [
        { name: 'go', kind: 'go' },
        { name: 'ts', kind: 'ts' },
      ],
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
        '--targets=go,rust=http://127.0.0.1:9000',
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
    [['--targets=go,python'], /unknown target "python"/],
    [['--targets=x=ftp://h'], /needs name=http/],
    [['--targets=go,go'], /names must differ/],
    [['--bogus'], /Unknown option/],
    [['extra'], /unexpected argument/],
  ])('rejects %j', (argv, msg) => {
    expect(() => parseOptions(argv, 2, now)).toThrow(msg);
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
});
