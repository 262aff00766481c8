import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkIgnored } from './checks.js';
import { dockerignoreFor, loadDockerignore, parseDockerignore } from './dockerignore.js';
import { ROOT } from './paths.js';

describe('.dockerignore matching', () => {
  it('follows Docker: parents exclude children, ** spans folders, the last match wins', () => {
    const m = parseDockerignore('# c\n**/node_modules\ndist\n*.log\nbench/results\ndocs/**\n!docs/keep.md\n');
    expect(m.excludes('node_modules')).toBe(true);
    expect(m.excludes('apps/x/node_modules/sharp/package.json')).toBe(true);
    expect(m.excludes('dist/index.js')).toBe(true);
    // A pattern without ** is anchored at the context root.
    expect(m.excludes('apps/x/dist')).toBe(false);
    expect(m.excludes('a.log')).toBe(true);
    expect(m.excludes('sub/a.log')).toBe(false);
    expect(m.excludes('bench/results/2024/report.md')).toBe(true);
    expect(m.excludes('bench/k6/run.js')).toBe(false);
    expect(m.excludes('docs/a.md')).toBe(true);
    expect(m.excludes('docs/keep.md')).toBe(false);
    expect(m.excludes('./node_modules/')).toBe(true);
  });

  it('prefers <Dockerfile>.dockerignore over the context one', () => {
    expect(dockerignoreFor(ROOT, join(ROOT, 'apps/ts-service/Dockerfile'))).toBe(join(ROOT, '.dockerignore'));
    expect(dockerignoreFor('/nonexistent', '/nonexistent/Dockerfile')).toBeUndefined();
  });
});

// What must never be sent to a build: host installs (wrong platform for sharp), outputs, results.
const NEVER = [
  'node_modules',
  'node_modules/.pnpm/x',
  'apps/ts-service/node_modules',
  'packages/contract/node_modules',
  'apps/ts-service/dist/index.js',
  'packages/contract/dist',
  'go-service/bin/go-service',
  'bench/results/run-1/report.md',
];

describe('the ignore files', () => {
  it('the root context leaves out node_modules, dist, bin and bench/results', () => {
    const root = loadDockerignore(ROOT, join(ROOT, 'apps/ts-service/Dockerfile'));
    expect(checkIgnored('.dockerignore', root, NEVER)).toEqual([]);
    // ...but keeps what the TS images are built from, and the runtime pins the Bun and Deno builds check.
    for (const kept of [
      'package.json',
      'pnpm-lock.yaml',
      'packages/contract/src',
      'apps/ts-service/src',
      '.bun-version',
      '.deno-version',
    ]) {
      expect(root.excludes(kept), kept).toBe(false);
    }
  });

  it('the go-service context leaves out bin and installs', () => {
    const goCtx = join(ROOT, 'go-service');
    const ignore = loadDockerignore(goCtx, join(goCtx, 'Dockerfile'));
    expect(checkIgnored('go-service/.dockerignore', ignore, ['bin/go-service', 'node_modules/x'])).toEqual(
      [],
    );
    expect(ignore.excludes('go.mod')).toBe(false);
    expect(ignore.excludes('cmd/go-service/main.go')).toBe(false);
    // go-vips is built from the same context: libvips comes from npm inside the build, never from the host.
    const vipsIgnore = loadDockerignore(goCtx, join(goCtx, 'Dockerfile.vips'));
    expect(
      checkIgnored('go-service/.dockerignore', vipsIgnore, [
        'node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.18.7',
        'bin/go-service-vips',
      ]),
    ).toEqual([]);
    expect(vipsIgnore.excludes('internal/pipeline/vips.go')).toBe(false);
  });

  it('the check fails when an ignore file forgets something', () => {
    expect(checkIgnored('x', parseDockerignore('node_modules\n'), ['node_modules/a', 'dist/b'])).toEqual([
      'x: dist/b is not excluded',
    ]);
  });
});
