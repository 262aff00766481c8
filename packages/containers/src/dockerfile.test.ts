import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  COMPOSE_SERVICES,
  checkDockerfile,
  checkRuntimePin,
  checkSameStage,
  checkSharpRuntime,
  type DockerfileInput,
  pinnedBaseImages,
  RUNTIME_PINS,
  readDockerfile,
  readPin,
  STANDIN_IMAGES,
} from './checks.js';
import { buildOf, loadCompose } from './compose.js';
import {
  bindMountSource,
  contextCopySources,
  finalUser,
  healthcheckCommand,
  parseInstructions,
  parseStages,
  stageCmd,
  stageEnv,
} from './dockerfile.js';
import { parseDockerignore } from './dockerignore.js';
import { checkLibvipsImage, readLibvipsPins } from './libvips.js';
import { COMPOSE_FILE, ROOT } from './paths.js';

/** Each service's Dockerfile, read from the build section of docker-compose.yml (so both must agree). */
function dockerfileOf(service: string): DockerfileInput {
  const build = buildOf(loadCompose(COMPOSE_FILE).services?.[service] ?? {});
  if (build === undefined) throw new Error(`${service} has no build section`);
  return readDockerfile(service, join(ROOT, build.context), build.dockerfile);
}

const go = dockerfileOf('go-service');
const ts = dockerfileOf('ts-service');
const vips = dockerfileOf('go-vips');
const bun = dockerfileOf('ts-bun');
const deno = dockerfileOf('ts-deno');
const bases = pinnedBaseImages(ROOT);

const sample = `# syntax=docker/dockerfile:1
ARG BASE=debian:bookworm-slim
FROM golang:1.26 AS build
COPY go.mod go.sum ./
RUN echo a \\
 # a comment inside a continuation is dropped
 && echo b
FROM build AS test
USER 1000
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
COPY ["cmd", "internal", "/src/"]
ENV A=1 B="two words"
ENV LEGACY value here
`;

describe('the Dockerfile reader', () => {
  it('joins continuations and drops comments', () => {
    const run = parseInstructions(sample).find((i) => i.keyword === 'RUN');
    expect(run).toEqual({ keyword: 'RUN', args: 'echo a && echo b', line: 5 });
  });

  it('finds stages, context sources, env and the final user', () => {
    const stages = parseStages(sample);
    expect(stages.map((s) => [s.from, s.name])).toEqual([
      ['golang:1.26', 'build'],
      ['build', 'test'],
      ['gcr.io/distroless/static-debian12:nonroot', undefined],
    ]);
    expect(contextCopySources(stages).map((s) => s.path)).toEqual(['go.mod', 'go.sum', 'cmd', 'internal']);
    const runtime = stages[2];
    if (runtime === undefined) throw new Error('three stages expected');
    expect(Object.fromEntries(stageEnv(runtime))).toEqual({
      A: '1',
      B: 'two words',
      LEGACY: 'value here',
    });
    // The last stage sets no USER and starts from an image, not a stage: unknown.
    expect(finalUser(stages)).toBeUndefined();
    // A stage built on another inherits its USER.
    expect(finalUser(stages.slice(0, 2))).toBe('1000');
  });

  it('reads bind mounts of the context, HEALTHCHECK and CMD commands', () => {
    const text = `FROM x AS a
RUN --mount=type=bind,source=.bun-version,target=/tmp/v --mount=type=cache,target=/c \\
    --mount=type=bind,from=a,source=/x,target=/y cat /tmp/v
FROM x
RUN --mount=src=pin.txt,dst=/p true
HEALTHCHECK --interval=5s --retries=5 CMD ["bun", "-e", "1"]
CMD ./start.sh bun
`;
    const stages = parseStages(text);
    expect(contextCopySources(stages)).toEqual([
      { path: '.bun-version', line: 2 },
      { path: 'pin.txt', line: 5 },
    ]);
    expect(bindMountSource('--mount=type=secret,id=npm')).toBeUndefined();
    const last = stages[1];
    if (last === undefined) throw new Error('two stages expected');
    expect(healthcheckCommand(last)).toEqual(['bun', '-e', '1']);
    expect(stageCmd(last)).toEqual(['/bin/sh', '-c', './start.sh bun']);
    expect(healthcheckCommand(parseStages('FROM x\nHEALTHCHECK NONE\n')[0] ?? last)).toBeUndefined();
  });

  it('rejects a file cut inside a continuation', () => {
    expect(() => parseInstructions('FROM x\nRUN a \\')).toThrow(/continued/);
  });
});

describe('go-service/Dockerfile', () => {
  it('is multi-stage, copies what exists, runs as non-root with a healthcheck', () => {
    expect(checkDockerfile(go)).toEqual([]);
  });

  it('embeds nothing from outside its context', () => {
    // The context is go-service/: a COPY of ../packages would not exist there.
    const escaping = { ...go, text: `${go.text}\nCOPY packages/contract/openapi.json /x\n` };
    expect(checkDockerfile(escaping)).toEqual([
      expect.stringMatching(/COPY source packages\/contract\/openapi.json does not exist/),
    ]);
  });
});

describe('apps/ts-service/Dockerfile', () => {
  it('is multi-stage, copies what exists, runs as non-root with a healthcheck', () => {
    expect(checkDockerfile(ts)).toEqual([]);
  });

  it('keeps sharp on glibc with bounded malloc arenas', () => {
    expect(checkSharpRuntime(ts)).toEqual([]);
  });
});

describe('go-service/Dockerfile.vips', () => {
  const pins = readLibvipsPins(ROOT);

  it('is multi-stage, copies what exists, runs as non-root with a healthcheck', () => {
    expect(checkDockerfile(vips)).toEqual([]);
  });

  it('keeps libvips on glibc with bounded malloc arenas', () => {
    expect(checkSharpRuntime(vips)).toEqual([]);
  });

  it('carries the libvips the repository builds and tests go-vips with', () => {
    expect(pins.packages).toEqual({
      '@img/sharp-libvips-dev': '1.3.4',
      '@img/sharp-libvips-linux-x64': '1.3.4',
    });
    expect(pins.linked).toBe('libvips-cpp.so.8.18.7');
    expect(checkLibvipsImage(vips, pins)).toEqual([]);
  });

  it('fails on another version, a tampered hash or a package the repo does not pin', () => {
    const bumped = {
      ...vips,
      text: vips.text.replace('@img/sharp-libvips-dev@1.3.4', '@img/sharp-libvips-dev@1.3.5'),
    };
    expect(checkLibvipsImage(bumped, pins)).toEqual([
      'go-vips: fetches @img/sharp-libvips-dev@1.3.5, the repo pins 1.3.4',
    ]);
    const tampered = { ...vips, text: vips.text.replace(/sha512-GJ\/\//, 'sha512-XX//') };
    expect(checkLibvipsImage(tampered, pins)).toEqual([
      expect.stringMatching(
        /@img\/sharp-libvips-linux-x64@1.3.4 integrity sha512-XX.* is not pnpm-lock.yaml's/,
      ),
    ]);
    const otherLib = { ...pins, linked: 'libvips-cpp.so.8.17.0' };
    expect(checkLibvipsImage(vips, otherLib)).toEqual([
      'go-vips: does not ship lib/libvips-cpp.so.8.17.0',
      'go-vips: does not check libvips 8.17.0',
    ]);
    const extra = { ...pins, packages: { ...pins.packages, '@img/sharp-libvips-linux-arm64': '1.3.4' } };
    expect(checkLibvipsImage(vips, extra)).toEqual([
      'go-vips: does not fetch @img/sharp-libvips-linux-arm64@1.3.4 with its integrity',
    ]);
    const fewer = { ...pins, packages: { '@img/sharp-libvips-linux-x64': '1.3.4' } };
    expect(checkLibvipsImage(vips, fewer)).toEqual([
      'go-vips: fetches @img/sharp-libvips-dev, which the repo does not pin',
    ]);
  });
});

describe.each([
  ['apps/ts-service/Dockerfile.bun', bun],
  ['apps/ts-service/Dockerfile.deno', deno],
])('%s', (_file, input) => {
  const pin = RUNTIME_PINS.find((p) => COMPOSE_SERVICES[p.implementation] === input.name);
  if (pin === undefined) throw new Error(`no runtime pin for ${input.name}`);
  const version = readPin(ROOT, pin.file);

  it('is multi-stage, copies what exists, runs as non-root with a healthcheck', () => {
    expect(checkDockerfile(input, bases)).toEqual([]);
    // The runtime's image is no stand-in of its own: only its pinned version is allowed.
    expect(checkDockerfile(input)).toEqual([expect.stringMatching(/is not one of the pinned base images/)]);
  });

  it('keeps sharp on glibc with bounded malloc arenas', () => {
    expect(checkSharpRuntime(input)).toEqual([]);
  });

  it(`carries exactly the runtime ${pin.file} pins, started by start.sh ${pin.runtime}`, () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(checkRuntimePin(input, pin, version)).toEqual([]);
    expect(input.text).toContain(`FROM ${pin.image}:${pin.tag(version)} AS`);
  });

  it('builds the workspace exactly as apps/ts-service/Dockerfile does', () => {
    expect(checkSameStage(input, ts, 'build')).toEqual([]);
  });

  it('fails on another version, no version check or another start', () => {
    const other = checkRuntimePin(input, pin, '0.0.1');
    expect(other).toEqual([
      `${input.name}: FROM ${pin.image}:${pin.tag(version)}, but ${pin.file} pins 0.0.1 (${pin.image}:${pin.tag('0.0.1')})`,
    ]);
    expect(checkDockerfile(input, [...STANDIN_IMAGES, `${pin.image}:${pin.tag('0.0.1')}`])).toEqual([
      expect.stringMatching(new RegExp(`FROM ${pin.image}:\\S+ is not one of the pinned base images`)),
    ]);
    const unchecked = { ...input, text: input.text.replaceAll(`source=${pin.file}`, 'source=README.md') };
    expect(checkRuntimePin(unchecked, pin, version)).toEqual([
      `${input.name}: the build does not check the runtime's --version against ${pin.file}`,
    ]);
    const direct = { ...input, text: `${input.text}CMD ["${pin.runtime}", "dist/main.js"]\n` };
    expect(checkRuntimePin(direct, pin, version)).toEqual([expect.stringMatching(/CMD must be start.sh/)]);
    const drifted = { ...input, text: input.text.replace('pnpm@12.4.2', 'pnpm@12.4.3') };
    expect(checkSameStage(drifted, ts, 'build')).toEqual([
      expect.stringMatching(
        /stage build, instruction 3 is "RUN npm install .*pnpm@12.4.3", ts-service has "RUN npm/,
      ),
    ]);
  });
});

describe('the Dockerfile checks fail on broken input', () => {
  const base = { name: 'x', contextDir: ROOT, ignore: parseDockerignore('') };
  const good = 'FROM node:26-bookworm-slim AS build\nFROM node:26-bookworm-slim\nHEALTHCHECK CMD ["true"]\n';

  it('a root or missing USER', () => {
    expect(checkDockerfile({ ...base, text: `${good}USER node\n` })).toEqual([]);
    expect(checkDockerfile({ ...base, text: good })).toEqual([
      'x: the final stage sets no USER, so it runs as root',
    ]);
    expect(checkDockerfile({ ...base, text: `${good}USER node\nUSER 0:0\n` })).toEqual([
      'x: the final stage runs as root (USER 0:0)',
    ]);
  });

  it('a single stage, an unpinned base, no healthcheck', () => {
    expect(checkDockerfile({ ...base, text: 'FROM node:latest\nUSER node\n' })).toEqual([
      'x: build and runtime stages expected, found 1',
      'x: FROM node:latest is not one of the pinned base images the stack is proven with',
      'x: the final stage has no HEALTHCHECK',
    ]);
  });

  it('COPY sources that are missing or ignored', () => {
    const text = `${good}COPY package.json nothing-here.txt ./\nCOPY pnpm-*.yaml ./\nUSER node\n`;
    expect(checkDockerfile({ ...base, text })).toEqual([
      expect.stringMatching(/nothing-here.txt does not exist/),
    ]);
    const ignoring = { ...base, text, ignore: parseDockerignore('package.json\npnpm-*\n') };
    expect(checkDockerfile(ignoring)).toEqual([
      'x:4: COPY source package.json is excluded by .dockerignore',
      'x:4: COPY source nothing-here.txt does not exist in the context',
      'x:5: COPY source pnpm-*.yaml is excluded by .dockerignore',
    ]);
  });

  it('sharp on musl or without arena limits', () => {
    const alpine = 'FROM node:26-alpine\nENV MALLOC_ARENA_MAX=2\n';
    expect(checkSharpRuntime({ ...base, text: alpine })).toHaveLength(1);
    expect(checkSharpRuntime({ ...base, text: 'FROM node:26-bookworm-slim\n' })).toHaveLength(1);
    const jemalloc =
      'FROM node:26-bookworm-slim\nENV LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n';
    expect(checkSharpRuntime({ ...base, text: jemalloc })).toEqual([]);
  });
});
