import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { check, needsOf, pathIn, shellCommands, words } from './readme-commands.js';

const root = path.resolve(fileURLToPath(import.meta.url), '../../../..');
const readmes = execFileSync('git', ['ls-files', '*README.md'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter(Boolean);

const problemsOf = (readme: string, text: string) =>
  needsOf(shellCommands(readme, text))
    .map((n) => check(n, root))
    .filter((p): p is string => p !== undefined);

describe('every command in every README runs as written from the repository root', () => {
  it('finds the READMEs and their commands', () => {
    expect(readmes).toContain('README.md');
    const commands = shellCommands('README.md', readFileSync(path.join(root, 'README.md'), 'utf8'));
    expect(commands.map((c) => c.text)).toContain('pnpm test');
  });

  it.each(readmes)('%s', (readme) => {
    expect(problemsOf(readme, readFileSync(path.join(root, readme), 'utf8'))).toEqual([]);
  });
});

describe('the checker', () => {
  const block = (...lines: string[]) => ['```sh', ...lines, '```'].join('\n');

  it('accepts root scripts, filtered package scripts, built outputs and cd', () => {
    const ok = block(
      'pnpm install && pnpm bench:compare --quick   # comment',
      'pnpm --filter @rtip/contract test',
      'curl -F image=@packages/contract/fixtures/photo-hd.jpg "localhost:8080/process?width=800" -o /tmp/out.jpg',
      'cd go-service',
      'PORT=9000 ./bin/go-service healthcheck',
      'go test ./internal/exif',
    );
    expect(problemsOf('x.md', ok)).toEqual([]);
  });

  it('rejects a missing script, a missing file, a built output at the root and a block that forgot its cd', () => {
    const bad = block(
      'pnpm bench:nothing',
      'pnpm --filter @rtip/bench lint typecheck',
      'curl --data-binary @photo.png localhost:8081/process -o out.png',
      './bin/go-service',
      'go test ./internal/exif \\',
      '   -run x',
    );
    const problems = problemsOf('x.md', bad);
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/x\.md:2: .*package\.json has no script "bench:nothing"/);
    expect(problems[1]).toMatch(/"typecheck" would be passed as an argument/);
    expect(problems.join('\n')).toMatch(/photo\.png does not exist/);
    expect(problems.join('\n')).toMatch(/bin\/go-service does not exist/);
    expect(problems.join('\n')).toMatch(/internal\/exif does not exist/);
  });

  it('starts every block at the root again', () => {
    const twoBlocks = `${block('cd go-service', 'go vet ./internal/exif')}\n${block('go vet ./internal/exif')}`;
    expect(problemsOf('x.md', twoBlocks)).toEqual([
      expect.stringMatching(/x\.md:6: .*internal\/exif does not exist/),
    ]);
  });

  it('splits words like a shell and knows what is a path', () => {
    expect(words(`curl -H 'Content-Type: image/png' "a b"`)).toEqual([
      'curl',
      '-H',
      'Content-Type: image/png',
      'a b',
    ]);
    expect(pathIn('image=@packages/x.jpg')).toBe('packages/x.jpg');
    expect(pathIn('http://localhost:8080/x')).toBeUndefined();
    expect(pathIn('localhost:8080/info')).toBeUndefined();
    expect(pathIn('bench/results/<time>/report.md')).toBeUndefined();
    expect(pathIn('pnpm@12.4.2')).toBeUndefined();
  });
});
