// What the README and the bench harness expect of docker-compose.yml and the Dockerfiles.
// Every check returns a list of problems (empty = fine), so a test can show each one failing on a broken input.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG, DEFAULT_PORTS, IMPLEMENTATIONS, type Implementation } from '@rtip/contract';
import {
  buildOf,
  type Compose,
  durationMs,
  type Service,
  serviceEnv,
  servicePorts,
  serviceVolumes,
} from './compose.js';
import {
  contextCopySources,
  finalUser,
  healthcheckCommand,
  isRootUser,
  parseStages,
  type Stage,
  stageCmd,
  stageEnv,
} from './dockerfile.js';
import { type IgnoreMatcher, loadDockerignore } from './dockerignore.js';

/**
 * The compose service of each implementation of the contract. A Record over the contract's type: a new
 * implementation fails typecheck here until it is named.
 */
export const COMPOSE_SERVICES: Record<Implementation, string> = {
  go: 'go-service',
  ts: 'ts-service',
  'go-vips': 'go-vips',
  'ts-bun': 'ts-bun',
  'ts-deno': 'ts-deno',
};

/** Compose service → the port it serves on, inside and outside its container: the contract's DEFAULT_PORTS. */
export const APP_SERVICES: Readonly<Record<string, number>> = Object.fromEntries(
  IMPLEMENTATIONS.map((impl) => [COMPOSE_SERVICES[impl], DEFAULT_PORTS[impl]]),
);
export type AppService = string;
const APP_NAMES = Object.keys(APP_SERVICES);

/** The contract's settings (`CONFIG` of @rtip/contract) other than PORT. */
export const CONTRACT_ENV = CONFIG.map((rule) => rule.name).filter((name) => name !== 'PORT');

/** Runtime settings that decide parallelism; they follow CONCURRENCY so neither side gets more threads. */
export const PARALLELISM_ENV = ['GOMAXPROCS', 'UV_THREADPOOL_SIZE'] as const;

/** Resource settings that must be identical for a fair comparison. */
export const RESOURCE_KEYS = [
  'cpus',
  'cpuset',
  'mem_limit',
  'memswap_limit',
  'deploy',
  'pids_limit',
] as const;

/**
 * The base images the Dockerfiles may name: the ones the compose stack has been built and run from
 * (packages/containers/README.md). A new FROM joins this list once the stack is proven with it.
 */
export const STANDIN_IMAGES = [
  'debian:bookworm-slim',
  'node:26-bookworm-slim',
  'node:26-slim',
  'golang:1.26-bookworm',
  'golang:1.26',
  'gcr.io/distroless/static-debian12',
  'gcr.io/distroless/static-debian12:nonroot',
] as const;

/**
 * The runtimes pinned at the repository root and the official image each TypeScript runtime image takes its binary
 * from; the image's tag names exactly the pinned version. Fully qualified (docker.io/…): Podman resolves short names
 * outside docker.io/library only through an alias or a search registry.
 */
export interface RuntimePin {
  /** Its compose service is COMPOSE_SERVICES[implementation]. */
  implementation: Implementation;
  /** The runtime's command, as start.sh takes it (`start.sh bun`). */
  runtime: string;
  /** The pin file at the repository root, e.g. `.bun-version`. */
  file: string;
  image: string;
  tag: (version: string) => string;
}

export const RUNTIME_PINS: readonly RuntimePin[] = [
  {
    implementation: 'ts-bun',
    runtime: 'bun',
    file: '.bun-version',
    image: 'docker.io/oven/bun',
    tag: (v) => `${v}-slim`,
  },
  {
    implementation: 'ts-deno',
    runtime: 'deno',
    file: '.deno-version',
    image: 'docker.io/denoland/deno',
    tag: (v) => `bin-${v}`,
  },
];

/** The version a pin file holds. */
export const readPin = (root: string, file: string): string => readFileSync(join(root, file), 'utf8').trim();

export const runtimeImage = (pin: RuntimePin, version: string): string => `${pin.image}:${pin.tag(version)}`;

/** STANDIN_IMAGES and the runtime images of the versions the repository pins. */
export function pinnedBaseImages(root: string): string[] {
  return [...STANDIN_IMAGES, ...RUNTIME_PINS.map((pin) => runtimeImage(pin, readPin(root, pin.file)))];
}

/** Services whose healthcheck is their own binary (`… healthcheck`), run without a shell. */
const EXEC_HEALTHCHECK: readonly string[] = ['go-service', 'go-vips'];

function services(compose: Compose): Record<string, Service> {
  const out: Record<string, Service> = {};
  for (const [name, service] of Object.entries(compose.services ?? {})) out[name] = service ?? {};
  return out;
}

function get(compose: Compose, name: string): Service | undefined {
  return services(compose)[name];
}

/** Every implementation runs by default; every other service sits behind a profile; k6 only under `bench`. */
export function checkServices(compose: Compose): string[] {
  const problems: string[] = [];
  const all = services(compose);
  for (const name of APP_NAMES) {
    const service = all[name];
    if (service === undefined) problems.push(`service ${name} is missing`);
    else if ((service.profiles ?? []).length > 0)
      problems.push(`${name} must start by default (no profiles)`);
  }
  const k6 = all.k6;
  if (k6 === undefined) problems.push('service k6 is missing');
  else if (JSON.stringify(k6.profiles ?? []) !== '["bench"]')
    problems.push('k6 must be under profiles: [bench] only');
  for (const [name, service] of Object.entries(all)) {
    if (!(name in APP_SERVICES) && (service.profiles ?? []).length === 0) {
      problems.push(`${name} has no profile, so a plain \`docker compose up\` would start it`);
    }
  }
  return problems;
}

export function checkPorts(compose: Compose): string[] {
  const problems: string[] = [];
  for (const name of APP_NAMES) {
    const service = get(compose, name);
    if (service === undefined) continue;
    const port = String(APP_SERVICES[name]);
    const ports = servicePorts(service);
    if (!ports.some((p) => p.published === port && p.target === port)) {
      problems.push(`${name} must publish ${port}:${port}, has ${JSON.stringify(service.ports ?? [])}`);
    }
    const envPort = serviceEnv(service).get('PORT');
    if (envPort !== undefined && envPort !== port) problems.push(`${name} sets PORT=${envPort}, not ${port}`);
  }
  return problems;
}

export function checkHealthchecks(compose: Compose): string[] {
  const problems: string[] = [];
  for (const name of APP_NAMES) {
    const service = get(compose, name);
    if (service === undefined) continue;
    const test = service.healthcheck?.test;
    if (!Array.isArray(test) || test.length < 2 || !['CMD', 'CMD-SHELL'].includes(test[0] ?? '')) {
      problems.push(`${name} needs a healthcheck with a CMD test`);
      continue;
    }
    // The Go images check themselves with their own binary (distroless has no shell): exec form.
    if (EXEC_HEALTHCHECK.includes(name) && test[0] !== 'CMD')
      problems.push(`${name} healthcheck must use CMD (no shell)`);
    if (!test.join(' ').includes('healthz') && !test.includes('healthcheck')) {
      problems.push(`${name} healthcheck must probe /healthz`);
    }
    for (const key of ['interval', 'timeout'] as const) {
      if (!(durationMs(service.healthcheck?.[key]) > 0)) problems.push(`${name} healthcheck needs an ${key}`);
    }
  }
  return problems;
}

/** Build contexts and Dockerfiles exist (paths relative to the folder of the compose file). */
export function checkBuilds(compose: Compose, root: string): string[] {
  const problems: string[] = [];
  for (const name of APP_NAMES) {
    const service = get(compose, name);
    if (service === undefined) continue;
    const build = buildOf(service);
    if (build === undefined) {
      problems.push(`${name} has no build section`);
      continue;
    }
    const context = join(root, build.context);
    if (!existsSync(context) || !statSync(context).isDirectory()) {
      problems.push(`${name}: build context ${build.context} does not exist`);
    } else if (!existsSync(join(context, build.dockerfile))) {
      problems.push(`${name}: ${build.dockerfile} does not exist in ${build.context}`);
    }
  }
  return problems;
}

export function checkRestartAndStop(compose: Compose): string[] {
  const problems: string[] = [];
  for (const name of APP_NAMES) {
    const service = get(compose, name);
    if (service === undefined) continue;
    if (!['unless-stopped', 'always', 'on-failure'].includes(service.restart ?? '')) {
      problems.push(`${name} needs a restart policy`);
    }
    const grace = durationMs(service.stop_grace_period);
    const drain = Number(serviceEnv(service).get('SHUTDOWN_TIMEOUT_MS') ?? '10000');
    if (!(grace > drain)) {
      problems.push(
        `${name}: stop_grace_period (${service.stop_grace_period}) must exceed SHUTDOWN_TIMEOUT_MS`,
      );
    }
  }
  return problems;
}

/** The implementations present in the compose file, by name (a missing one is checkServices' to report). */
function appServices(compose: Compose): [AppService, Service][] {
  return APP_NAMES.flatMap((n) => {
    const s = get(compose, n);
    return s === undefined ? [] : [[n, s] as [AppService, Service]];
  });
}

/** Same CPU and memory for every implementation, and each actually limited. */
export function checkEqualLimits(compose: Compose): string[] {
  const problems: string[] = [];
  const apps = appServices(compose);
  const [first, ...others] = apps;
  if (first === undefined || others.length === 0)
    return ['two services or more are needed to compare limits'];
  for (const [name, s] of others) {
    for (const key of RESOURCE_KEYS) {
      if (JSON.stringify(first[1][key]) !== JSON.stringify(s[key])) {
        problems.push(
          `${key} differs: ${JSON.stringify(first[1][key])} (${first[0]}) vs ${JSON.stringify(s[key])} (${name})`,
        );
      }
    }
  }
  for (const [name, s] of apps) {
    const limits = s.deploy?.resources?.limits ?? {};
    if (s.cpus === undefined && limits.cpus === undefined) problems.push(`${name} has no CPU limit`);
    if (s.mem_limit === undefined && limits.memory === undefined)
      problems.push(`${name} has no memory limit`);
  }
  return problems;
}

/**
 * The contract's settings are equal for every implementation (set to the same value, or left to the contract's
 * default everywhere), the thread counts are set and follow CONCURRENCY.
 */
export function checkContractEnv(compose: Compose): string[] {
  const problems: string[] = [];
  const envs = appServices(compose).map(([name, s]) => [name, serviceEnv(s)] as const);
  const [first, ...others] = envs;
  if (first === undefined || others.length === 0)
    return ['two services or more are needed to compare settings'];
  for (const key of [...CONTRACT_ENV, ...PARALLELISM_ENV]) {
    const unset = envs.filter(([, env]) => env.get(key) === undefined).map(([name]) => name);
    // A contract setting left unset everywhere is the contract's default everywhere: equal, so fair.
    const optional = (CONTRACT_ENV as readonly string[]).includes(key);
    if (optional && unset.length === envs.length) continue;
    if (unset.length > 0) {
      problems.push(`${key} must be set for every service (not set: ${unset.join(', ')})`);
      continue;
    }
    for (const [name, env] of others) {
      if (env.get(key) !== first[1].get(key)) {
        problems.push(`${key} differs: ${first[0]} ${first[1].get(key)}, ${name} ${env.get(key)}`);
      }
    }
  }
  for (const [name, env] of envs) {
    for (const key of PARALLELISM_ENV) {
      if (env.has(key) && env.get(key) !== env.get('CONCURRENCY')) {
        problems.push(
          `${name}: ${key}=${env.get(key)} does not follow CONCURRENCY=${env.get('CONCURRENCY')}`,
        );
      }
    }
  }
  return problems;
}

/** k6 as the harness's docker mode runs it. */
export function checkK6(compose: Compose): string[] {
  const problems: string[] = [];
  const k6 = get(compose, 'k6');
  if (k6 === undefined) return ['service k6 is missing'];
  const image = k6.image ?? '';
  const tag = /^grafana\/k6:([^@]+)/.exec(image)?.[1];
  if (tag === undefined || tag === 'latest')
    problems.push(`k6 image must be grafana/k6 with a pinned tag, is "${image}"`);
  const volumes = serviceVolumes(k6);
  const scripts = volumes.find((v) => v.target === '/scripts');
  if (scripts?.source.replace(/^\.\//, '') !== 'bench/k6' || !scripts.readOnly) {
    problems.push('k6 must mount ./bench/k6 read-only at /scripts');
  }
  const results = volumes.find((v) => v.target === '/results');
  if (results?.source.replace(/^\.\//, '') !== 'bench/results' || results.readOnly) {
    problems.push('k6 must mount ./bench/results writable at /results');
  }
  if (k6.user === undefined || k6.user === '') problems.push('k6 must say which user writes /results');
  const deps = k6.depends_on;
  for (const name of APP_NAMES) {
    const condition = Array.isArray(deps) ? undefined : deps?.[name]?.condition;
    if (condition !== 'service_healthy') problems.push(`k6 must wait until ${name} is healthy`);
  }
  if (k6.network_mode !== undefined)
    problems.push('k6 must stay on the compose network to reach the services');
  return problems;
}

/** Bind-mount sources of the `observe` services exist (they are files in this package). */
export function checkObserveMounts(compose: Compose, root: string): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(services(compose))) {
    if (!(service.profiles ?? []).includes('observe')) continue;
    for (const volume of serviceVolumes(service)) {
      if (/^\.{0,2}\//.test(volume.source) && !existsSync(join(root, volume.source))) {
        problems.push(`${name}: mount source ${volume.source} does not exist`);
      }
    }
  }
  return problems;
}

function globToRegex(segment: string): RegExp {
  return new RegExp(
    `^${segment
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}

/** Context-relative paths a COPY source names (Go filepath.Match globs per segment). */
export function expandSource(contextDir: string, source: string): string[] {
  const segments = source.split('/').filter((s) => s !== '' && s !== '.');
  let found = [''];
  for (const segment of segments) {
    const next: string[] = [];
    for (const base of found) {
      const dir = join(contextDir, base);
      if (!/[*?[]/.test(segment)) {
        if (existsSync(join(dir, segment))) next.push(base === '' ? segment : `${base}/${segment}`);
        continue;
      }
      if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
      for (const entry of readdirSync(dir)) {
        if (globToRegex(segment).test(entry)) next.push(base === '' ? entry : `${base}/${entry}`);
      }
    }
    found = next;
  }
  return found;
}

export interface DockerfileInput {
  /** Name for messages. */
  name: string;
  text: string;
  contextDir: string;
  ignore: IgnoreMatcher;
}

export function readDockerfile(name: string, contextDir: string, dockerfile: string): DockerfileInput {
  const path = join(contextDir, dockerfile);
  return { name, text: readFileSync(path, 'utf8'), contextDir, ignore: loadDockerignore(contextDir, path) };
}

function finalStage(stages: Stage[]): Stage | undefined {
  return stages.at(-1);
}

/**
 * Multi-stage, pinned bases we can stand in for (`bases`: STANDIN_IMAGES, or pinnedBaseImages() for the runtime
 * images), context paths that exist and are not ignored, non-root.
 */
export function checkDockerfile(input: DockerfileInput, bases: readonly string[] = STANDIN_IMAGES): string[] {
  const problems: string[] = [];
  const stages = parseStages(input.text);
  if (stages.length < 2)
    problems.push(`${input.name}: build and runtime stages expected, found ${stages.length}`);
  const names = new Set(stages.map((s) => s.name));
  for (const stage of stages) {
    if (names.has(stage.from)) continue;
    if (!bases.includes(stage.from)) {
      problems.push(
        `${input.name}: FROM ${stage.from} is not one of the pinned base images the stack is proven with`,
      );
    }
  }
  for (const source of contextCopySources(stages)) {
    const matches = expandSource(input.contextDir, source.path);
    if (matches.length === 0) {
      problems.push(`${input.name}:${source.line}: COPY source ${source.path} does not exist in the context`);
    } else if (matches.every((m) => input.ignore.excludes(m))) {
      problems.push(`${input.name}:${source.line}: COPY source ${source.path} is excluded by .dockerignore`);
    }
  }
  const user = finalUser(stages);
  if (user === undefined) problems.push(`${input.name}: the final stage sets no USER, so it runs as root`);
  else if (isRootUser(user)) problems.push(`${input.name}: the final stage runs as root (USER ${user})`);
  const last = finalStage(stages);
  if (last !== undefined && !last.instructions.some((i) => i.keyword === 'HEALTHCHECK')) {
    problems.push(`${input.name}: the final stage has no HEALTHCHECK`);
  }
  return problems;
}

/**
 * libvips (sharp's, or go-vips') on glibc: a glibc base and MALLOC_ARENA_MAX (or jemalloc preloaded) in the
 * runtime stage.
 */
export function checkSharpRuntime(input: DockerfileInput): string[] {
  const problems: string[] = [];
  const last = finalStage(parseStages(input.text));
  if (last === undefined) return [`${input.name}: no stages`];
  if (/alpine|musl/.test(last.from)) {
    problems.push(`${input.name}: runtime ${last.from} is musl; sharp's prebuilt libvips expects glibc`);
  }
  const env = stageEnv(last);
  const arenas = Number(env.get('MALLOC_ARENA_MAX'));
  const jemalloc = (env.get('LD_PRELOAD') ?? '').includes('jemalloc');
  if (!jemalloc && !(arenas >= 1 && arenas <= 2)) {
    problems.push(
      `${input.name}: set MALLOC_ARENA_MAX=2 or preload jemalloc (libvips fragments glibc malloc)`,
    );
  }
  return problems;
}

/** Paths that must never enter a build context: host installs, build outputs, benchmark results. */
export function checkIgnored(name: string, ignore: IgnoreMatcher, paths: string[]): string[] {
  return paths.filter((p) => !ignore.excludes(p)).map((p) => `${name}: ${p} is not excluded`);
}

/**
 * A TypeScript runtime image carries exactly the pinned runtime: it takes the binary from the official image whose
 * tag names the version of the pin file, checks `--version` against that file during the build (a bind mount of
 * it), and starts the service through start.sh (the malloc settings' home) with the runtime's name.
 */
export function checkRuntimePin(input: DockerfileInput, pin: RuntimePin, version: string): string[] {
  const problems: string[] = [];
  const stages = parseStages(input.text);
  const want = runtimeImage(pin, version);
  const from = stages.map((s) => s.from).filter((f) => f.startsWith(`${pin.image}:`));
  if (from.length === 0)
    problems.push(`${input.name}: takes no ${pin.image} image (${pin.file} pins ${want})`);
  for (const f of from) {
    if (f !== want) problems.push(`${input.name}: FROM ${f}, but ${pin.file} pins ${version} (${want})`);
  }
  const binds = contextCopySources(stages).map((s) => s.path);
  if (!binds.includes(pin.file))
    problems.push(`${input.name}: the build does not check the runtime's --version against ${pin.file}`);
  const last = stages.at(-1);
  const cmd = last === undefined ? undefined : stageCmd(last);
  if (cmd === undefined || !/(^|\/)start\.sh$/.test(cmd[0] ?? '') || cmd[1] !== pin.runtime) {
    problems.push(
      `${input.name}: CMD must be start.sh ${pin.runtime} (the malloc settings' home), is ${JSON.stringify(cmd ?? null)}`,
    );
  }
  return problems;
}

/** The instructions of the stage called `name` (undefined when there is none). */
function stageInstructions(text: string, name: string): string[] | undefined {
  const stage = parseStages(text).find((s) => s.name === name);
  return stage === undefined
    ? undefined
    : [`FROM ${stage.from}`, ...stage.instructions.map((i) => `${i.keyword} ${i.args}`)];
}

/**
 * The stage `name` is the reference Dockerfile's, instruction for instruction (comments aside): one way to build,
 * and one build that the engine's layer cache shares between the images.
 */
export function checkSameStage(input: DockerfileInput, reference: DockerfileInput, name: string): string[] {
  const ours = stageInstructions(input.text, name);
  const theirs = stageInstructions(reference.text, name);
  if (theirs === undefined) return [`${reference.name}: has no stage ${name}`];
  if (ours === undefined) return [`${input.name}: has no stage ${name}`];
  const problems: string[] = [];
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    if (ours[i] !== theirs[i]) {
      problems.push(
        `${input.name}: stage ${name}, instruction ${i + 1} is ${JSON.stringify(ours[i] ?? null)}, ${reference.name} has ${JSON.stringify(theirs[i] ?? null)}`,
      );
      break;
    }
  }
  return problems;
}

/** Each implementation's compose healthcheck runs the command its image's HEALTHCHECK runs (one that image has). */
export function checkImageHealthchecks(compose: Compose, root: string): string[] {
  const problems: string[] = [];
  for (const name of APP_NAMES) {
    const service = get(compose, name);
    const build = service === undefined ? undefined : buildOf(service);
    if (service === undefined || build === undefined) continue;
    const path = join(root, build.context, build.dockerfile);
    if (!existsSync(path)) continue;
    const last = parseStages(readFileSync(path, 'utf8')).at(-1);
    const image = last === undefined ? undefined : healthcheckCommand(last);
    const test = service.healthcheck?.test;
    const composed = Array.isArray(test)
      ? test[0] === 'CMD'
        ? test.slice(1)
        : ['/bin/sh', '-c', test.slice(1).join(' ')]
      : undefined;
    if (image === undefined) problems.push(`${name}: ${build.dockerfile} has no HEALTHCHECK CMD`);
    else if (JSON.stringify(composed) !== JSON.stringify(image)) {
      problems.push(
        `${name}: the compose healthcheck runs ${JSON.stringify(composed ?? null)}, the image's ${JSON.stringify(image)}`,
      );
    }
  }
  return problems;
}
