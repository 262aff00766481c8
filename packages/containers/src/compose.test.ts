import { execFileSync, spawnSync } from 'node:child_process';
import { DEFAULT_PORTS, IMPLEMENTATIONS } from '@rtip/contract';
import { describe, expect, it } from 'vitest';
import {
  APP_SERVICES,
  COMPOSE_SERVICES,
  checkBuilds,
  checkContractEnv,
  checkEqualLimits,
  checkHealthchecks,
  checkImageHealthchecks,
  checkK6,
  checkObserveMounts,
  checkPorts,
  checkRestartAndStop,
  checkServices,
} from './checks.js';
import {
  type Compose,
  durationMs,
  interpolate,
  loadCompose,
  parseCompose,
  type Service,
  serviceEnv,
} from './compose.js';
import { COMPOSE_FILE, ROOT } from './paths.js';

const compose = loadCompose(COMPOSE_FILE);

/** A deep copy of the real compose file with one thing broken. */
function broken(change: (services: Record<string, Service>) => void): Compose {
  const copy = structuredClone(compose);
  change(copy.services as Record<string, Service>);
  return copy;
}

describe('interpolation', () => {
  it('follows Compose rules for defaults and escapes', () => {
    expect(interpolate(`\${A:-2}`, {})).toBe('2');
    expect(interpolate(`\${A:-2}`, { A: '' })).toBe('2');
    expect(interpolate(`\${A-2}`, { A: '' })).toBe('');
    expect(interpolate(`\${A:-2}`, { A: '5' })).toBe('5');
    expect(interpolate('$A and $$A', { A: 'x' })).toBe('x and $A');
    expect(interpolate(`\${B:-}`, {})).toBe('');
    expect(() => interpolate(`\${A:?needed}`, {})).toThrow(/needed/);
  });

  it('reads durations', () => {
    expect(durationMs('15s')).toBe(15_000);
    expect(durationMs('1m30s')).toBe(90_000);
    expect(durationMs('500ms')).toBe(500);
    expect(durationMs('soon')).toBeNaN();
  });

  it('applies YAML merge keys', () => {
    const c = parseCompose('x: &a {A: "1"}\nservices:\n  s:\n    environment:\n      <<: *a\n      B: "2"\n');
    expect(Object.fromEntries(serviceEnv(c.services?.s ?? {}))).toEqual({ A: '1', B: '2' });
  });
});

describe('docker-compose.yml', () => {
  it('runs every implementation by default and k6 only under the bench profile', () => {
    expect(checkServices(compose)).toEqual([]);
    expect(Object.keys(APP_SERVICES)).toEqual(['go-service', 'ts-service', 'go-vips', 'ts-bun', 'ts-deno']);
    expect(checkServices(broken((s) => delete s['ts-service']))).toContain('service ts-service is missing');
    expect(checkServices(broken((s) => delete s['go-vips']))).toContain('service go-vips is missing');
    expect(checkServices(broken((s) => delete s['ts-deno']))).toEqual(['service ts-deno is missing']);
    expect(checkServices(broken((s) => Object.assign(s.k6 ?? {}, { profiles: undefined })))).toEqual(
      expect.arrayContaining([expect.stringMatching(/k6 must be under profiles/)]),
    );
    expect(checkServices(broken((s) => Object.assign(s['go-service'] ?? {}, { profiles: ['x'] })))).toContain(
      'go-service must start by default (no profiles)',
    );
  });

  it("names every implementation's port: the contract's DEFAULT_PORTS under its compose service", () => {
    for (const impl of IMPLEMENTATIONS)
      expect(APP_SERVICES[COMPOSE_SERVICES[impl]]).toBe(DEFAULT_PORTS[impl]);
    expect(APP_SERVICES).toEqual({
      'go-service': 8080,
      'ts-service': 8081,
      'go-vips': 8082,
      'ts-bun': 8083,
      'ts-deno': 8084,
    });
  });

  it('publishes 8080 to 8084, each on itself', () => {
    expect(checkPorts(compose)).toEqual([]);
    expect(checkPorts(broken((s) => Object.assign(s['ts-bun'] ?? {}, { ports: ['8084:8084'] })))).toEqual([
      'ts-bun must publish 8083:8083, has ["8084:8084"]',
    ]);
    expect(
      checkPorts(broken((s) => Object.assign(s['ts-deno'] ?? {}, { environment: { PORT: '8081' } }))),
    ).toEqual(['ts-deno sets PORT=8081, not 8084']);
    expect(checkPorts(broken((s) => Object.assign(s['go-vips'] ?? {}, { ports: ['8080:8082'] })))).toEqual([
      'go-vips must publish 8082:8082, has ["8080:8082"]',
    ]);
    expect(
      checkPorts(broken((s) => Object.assign(s['ts-service'] ?? {}, { ports: ['8082:8081'] }))),
    ).toHaveLength(1);
    expect(
      checkPorts(broken((s) => Object.assign(s['go-service'] ?? {}, { environment: { PORT: '9000' } }))),
    ).toContain('go-service sets PORT=9000, not 8080');
  });

  it('has exec-form healthchecks on /healthz', () => {
    expect(checkHealthchecks(compose)).toEqual([]);
    const shell = broken((s) => {
      const go = s['go-service'] ?? {};
      go.healthcheck = { ...go.healthcheck, test: ['CMD-SHELL', 'go-service healthcheck'] };
    });
    expect(checkHealthchecks(shell)).toContain('go-service healthcheck must use CMD (no shell)');
    const vipsShell = broken((s) => {
      const vips = s['go-vips'] ?? {};
      vips.healthcheck = { ...vips.healthcheck, test: ['CMD-SHELL', 'curl -f localhost:8082/healthz'] };
    });
    expect(checkHealthchecks(vipsShell)).toEqual(['go-vips healthcheck must use CMD (no shell)']);
    expect(checkHealthchecks(broken((s) => delete s['ts-service']?.healthcheck))).toContain(
      'ts-service needs a healthcheck with a CMD test',
    );
    expect(checkHealthchecks(broken((s) => delete s['ts-deno']?.healthcheck))).toEqual([
      'ts-deno needs a healthcheck with a CMD test',
    ]);
  });

  it("runs the command of each image's own HEALTHCHECK (a runtime the image has)", () => {
    expect(checkImageHealthchecks(compose, ROOT)).toEqual([]);
    const nodeInBun = broken((s) => {
      const bun = s['ts-bun'] ?? {};
      const test = s['ts-service']?.healthcheck?.test;
      bun.healthcheck = { ...bun.healthcheck, test };
    });
    expect(checkImageHealthchecks(nodeInBun, ROOT)).toEqual([
      expect.stringMatching(/^ts-bun: the compose healthcheck runs \["node",.*, the image's \["bun",/),
    ]);
    const shell = broken((s) => {
      const deno = s['ts-deno'] ?? {};
      deno.healthcheck = { ...deno.healthcheck, test: ['CMD-SHELL', 'deno eval "fetch()"'] };
    });
    expect(checkImageHealthchecks(shell, ROOT)).toHaveLength(1);
  });

  it('builds from contexts and Dockerfiles that exist', () => {
    expect(checkBuilds(compose, ROOT)).toEqual([]);
    const missing = broken((s) =>
      Object.assign(s['ts-service'] ?? {}, { build: { context: '.', dockerfile: 'nope' } }),
    );
    expect(checkBuilds(missing, ROOT)).toEqual(['ts-service: nope does not exist in .']);
    const gone = broken((s) =>
      Object.assign(s['ts-bun'] ?? {}, {
        build: { context: '.', dockerfile: 'apps/ts-service/Dockerfile.gone' },
      }),
    );
    expect(checkBuilds(gone, ROOT)).toEqual(['ts-bun: apps/ts-service/Dockerfile.gone does not exist in .']);
    expect(
      checkBuilds(
        broken((s) => Object.assign(s['go-service'] ?? {}, { build: './gone' })),
        ROOT,
      ),
    ).toEqual(['go-service: build context ./gone does not exist']);
  });

  it('restarts the services and gives them time to drain', () => {
    expect(checkRestartAndStop(compose)).toEqual([]);
    const short = broken((s) => Object.assign(s['go-service'] ?? {}, { stop_grace_period: '5s' }));
    expect(checkRestartAndStop(short)).toHaveLength(1);
    expect(checkRestartAndStop(broken((s) => delete s['ts-service']?.restart))).toHaveLength(1);
    expect(checkRestartAndStop(broken((s) => delete s['ts-bun']?.restart))).toEqual([
      'ts-bun needs a restart policy',
    ]);
  });

  it('gives every service the same CPU and memory limits', () => {
    expect(checkEqualLimits(compose)).toEqual([]);
    expect(checkEqualLimits(broken((s) => Object.assign(s['go-vips'] ?? {}, { cpus: '1' })))).toEqual([
      'cpus differs: "2" (go-service) vs "1" (go-vips)',
    ]);
    expect(checkEqualLimits(broken((s) => Object.assign(s['ts-deno'] ?? {}, { mem_limit: '2g' })))).toEqual([
      'mem_limit differs: "1g" (go-service) vs "2g" (ts-deno)',
    ]);
    const unlimited = broken((s) => {
      for (const name of Object.keys(APP_SERVICES)) delete s[name]?.mem_limit;
    });
    expect(checkEqualLimits(unlimited)).toEqual([
      'go-service has no memory limit',
      'ts-service has no memory limit',
      'go-vips has no memory limit',
      'ts-bun has no memory limit',
      'ts-deno has no memory limit',
    ]);
  });

  it('keeps the limits equal whatever the harness sets', () => {
    const pinned = loadCompose(COMPOSE_FILE, {
      SERVICE_CPUS: '1',
      SERVICE_CPUSET: '1',
      SERVICE_MEMORY: '512m',
    });
    expect(checkEqualLimits(pinned)).toEqual([]);
    expect(pinned.services?.['go-service']?.cpuset).toBe('1');
    expect(pinned.services?.['ts-service']?.mem_limit).toBe('512m');
    expect(pinned.services?.['go-vips']?.cpus).toBe('1');
    expect(pinned.services?.['ts-bun']?.memswap_limit).toBe('512m');
    expect(pinned.services?.['ts-deno']?.cpuset).toBe('1');
  });

  it('sets the contract settings to the same values for every service, threads following CONCURRENCY', () => {
    expect(checkContractEnv(compose)).toEqual([]);
    const env = serviceEnv(compose.services?.['go-service'] ?? {});
    // The documented defaults when nothing is set (CONCURRENCY = the 2 CPUs of the limit).
    expect(Object.fromEntries(env)).toMatchObject({
      MAX_UPLOAD_BYTES: '26214400',
      MAX_INPUT_PIXELS: '50000000',
      REQUEST_TIMEOUT_MS: '30000',
      SHUTDOWN_TIMEOUT_MS: '10000',
      LOG_LEVEL: 'info',
      CONCURRENCY: '2',
      QUEUE_DEPTH: '8',
    });
    const three = loadCompose(COMPOSE_FILE, { CONCURRENCY: '3' });
    expect(checkContractEnv(three)).toEqual([]);
    expect(serviceEnv(three.services?.['ts-service'] ?? {}).get('UV_THREADPOOL_SIZE')).toBe('3');
    expect(serviceEnv(three.services?.['go-service'] ?? {}).get('GOMAXPROCS')).toBe('3');
    expect(serviceEnv(three.services?.['go-vips'] ?? {}).get('GOMAXPROCS')).toBe('3');
    for (const name of ['ts-bun', 'ts-deno']) {
      expect(serviceEnv(three.services?.[name] ?? {}).get('CONCURRENCY')).toBe('3');
    }

    const skewed = broken((s) => {
      const ts = s['ts-service'] ?? {};
      ts.environment = { ...Object.fromEntries(serviceEnv(ts)), QUEUE_DEPTH: '64' };
    });
    expect(checkContractEnv(skewed)).toEqual(['QUEUE_DEPTH differs: go-service 8, ts-service 64']);
    const threads = broken((s) => {
      for (const name of Object.keys(APP_SERVICES)) {
        const svc = s[name] ?? {};
        svc.environment = { ...Object.fromEntries(serviceEnv(svc)), UV_THREADPOOL_SIZE: '16' };
      }
    });
    expect(checkContractEnv(threads)).toHaveLength(5);
    const unset = broken((s) => {
      const vips = s['go-vips'] ?? {};
      const env = Object.fromEntries(serviceEnv(vips));
      delete env.GOMAXPROCS;
      vips.environment = env;
    });
    expect(checkContractEnv(unset)).toEqual(['GOMAXPROCS must be set for every service (not set: go-vips)']);
    // A contract setting left to its default everywhere is fine; set on one service only, it is not.
    const lingerOnOne = broken((s) => {
      const ts = s['ts-service'] ?? {};
      ts.environment = { ...Object.fromEntries(serviceEnv(ts)), LINGER_TIMEOUT_MS: '1000' };
    });
    expect(checkContractEnv(compose)).toEqual([]);
    expect(checkContractEnv(lingerOnOne)).toEqual([
      'LINGER_TIMEOUT_MS must be set for every service (not set: go-service, go-vips, ts-bun, ts-deno)',
    ]);
  });

  it('runs k6 the way the harness expects', () => {
    expect(checkK6(compose)).toEqual([]);
    expect(checkK6(broken((s) => Object.assign(s.k6 ?? {}, { image: 'grafana/k6:latest' })))).toHaveLength(1);
    expect(checkK6(broken((s) => Object.assign(s.k6 ?? {}, { volumes: ['./bench/k6:/scripts'] })))).toEqual([
      'k6 must mount ./bench/k6 read-only at /scripts',
      'k6 must mount ./bench/results writable at /results',
    ]);
    expect(checkK6(broken((s) => Object.assign(s.k6 ?? {}, { depends_on: ['go-service'] })))).toHaveLength(5);
    const withoutVips = broken((s) => {
      const k6 = s.k6 ?? {};
      const deps = { ...(k6.depends_on as Record<string, { condition: string }>) };
      delete deps['go-vips'];
      k6.depends_on = deps;
    });
    expect(checkK6(withoutVips)).toEqual(['k6 must wait until go-vips is healthy']);
    const withoutDeno = broken((s) => {
      const k6 = s.k6 ?? {};
      const deps = { ...(k6.depends_on as Record<string, { condition: string }>) };
      deps['ts-deno'] = { condition: 'service_started' };
      k6.depends_on = deps;
    });
    expect(checkK6(withoutDeno)).toEqual(['k6 must wait until ts-deno is healthy']);
  });

  it('lets the harness pin k6 and choose who writes the results', () => {
    const c = loadCompose(COMPOSE_FILE, { LOADGEN_CPUSET: '0', LOADGEN_USER: '1000:1000' });
    expect(c.services?.k6?.cpuset).toBe('0');
    expect(c.services?.k6?.user).toBe('1000:1000');
    // Unset, k6 runs as the image's own user.
    expect(compose.services?.k6?.user).toBe('12345:12345');
  });

  it('mounts observe files that exist', () => {
    expect(checkObserveMounts(compose, ROOT)).toEqual([]);
    const gone = broken((s) =>
      Object.assign(s.prometheus ?? {}, { volumes: ['./nowhere.yml:/etc/p.yml:ro'] }),
    );
    expect(checkObserveMounts(gone, ROOT)).toEqual(['prometheus: mount source ./nowhere.yml does not exist']);
  });

  // A real parser when one is installed (Debian's docker-compose v1 validates without an engine).
  const hasDockerCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasDockerCompose)('is accepted by docker-compose config', () => {
    const out = execFileSync('docker-compose', ['-f', COMPOSE_FILE, '--profile', 'bench', 'config', '-q'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(out).toBe('');
  });
});
