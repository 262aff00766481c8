// Lines of code per layer for one implementation: which files make it (Go: what `go list` compiles for the
// build's tags, and those packages' tests; TS: the service's source tree), each counted and put in its layer.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import {
  compileTable,
  LAYER_TABLE,
  LAYERS,
  type Layer,
  layerOf,
  otherRuntimeFiles,
  RUNTIME_FILES,
} from './layers.js';
import { addCounts, countLines, isGenerated, type LineCounts, languageOf, ZERO } from './loc.js';

/** Where an implementation's source is. */
export type SourceSpec =
  /** A Go main package and the build tags of this target (go and go-vips share one module). */
  | { kind: 'go'; moduleDir: string; main: string; tags: string[] }
  /**
   * Every Go/TS file under a folder; with `runtime` (a TS target), without the other runtimes' own files
   * (RUNTIME_FILES).
   */
  | { kind: 'tree'; dir: string; runtime?: string };

export type LayerCounts = LineCounts & { files: number };

export interface CodeProfile {
  byLayer: Record<Layer, LayerCounts>;
  total: LayerCounts;
  /** Generated files ("Code generated … DO NOT EDIT."): listed, not counted. */
  generated: string[];
  scope: string;
  /** A TS target's own server and entry (RUNTIME_FILES): lines of code, and the files. */
  own?: { code: number; files: string[] };
}

/** Every file under `dir` (relative to `root`, forward slashes), skipping dependency and build folders. */
export function walk(root: string, dir: string): string[] {
  const out: string[] = [];
  const visit = (rel: string) => {
    for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (!['node_modules', 'dist', 'bin', '.turbo', 'testdata'].includes(e.name)) visit(p);
      } else if (e.isFile()) out.push(p);
    }
  };
  visit(dir);
  return out.sort();
}

/**
 * The Go files of one build: the packages the main package links (for these tags) inside the module, their
 * GoFiles and CgoFiles, and their tests. Packages outside the module (the standard library, deps) are not code
 * of the service.
 */
export async function goBuildFiles(repo: string, s: Extract<SourceSpec, { kind: 'go' }>): Promise<string[]> {
  const tags = s.tags.length ? [`-tags=${s.tags.join(',')}`] : [];
  const fmt =
    '{{if .Module}}{{if .Module.Main}}{{.Dir}}|{{join .GoFiles ","}},{{join .CgoFiles ","}},{{join .TestGoFiles ","}},{{join .XTestGoFiles ","}}{{end}}{{end}}';
  const r = await $({
    cwd: path.join(repo, s.moduleDir),
    quiet: true,
  })`go list -deps ${tags} -f ${fmt} ${s.main}`;
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      const [dir = '', files = ''] = line.split('|');
      return files
        .split(',')
        .filter(Boolean)
        .map((f) => path.relative(repo, path.join(dir, f)).split(path.sep).join('/'));
    })
    .sort();
}

export async function sourceFiles(repo: string, s: SourceSpec): Promise<string[]> {
  if (s.kind === 'go') return goBuildFiles(repo, s);
  const others = s.runtime ? otherRuntimeFiles(s.runtime) : new Set<string>();
  return walk(repo, s.dir).filter((f) => languageOf(f) && !others.has(f));
}

const emptyLayers = (): Record<Layer, LayerCounts> =>
  Object.fromEntries(LAYERS.map((l) => [l, { ...ZERO, files: 0 }])) as Record<Layer, LayerCounts>;

/** Counts `files` (relative to `repo`) into layers with `table` (the project's LAYER_TABLE by default). */
export function profileFiles(
  repo: string,
  files: readonly string[],
  scope: string,
  table = LAYER_TABLE,
): CodeProfile {
  const compiled = compileTable(table);
  const byLayer = emptyLayers();
  const total: LayerCounts = { ...ZERO, files: 0 };
  const generated: string[] = [];
  for (const f of files) {
    const lang = languageOf(f);
    if (!lang) continue;
    const text = readFileSync(path.join(repo, f), 'utf8');
    if (isGenerated(text)) {
      generated.push(f);
      continue;
    }
    const c = countLines(text, lang);
    const layer = layerOf(f, compiled);
    byLayer[layer] = { ...addCounts(byLayer[layer], c), files: byLayer[layer].files + 1 };
    Object.assign(total, addCounts(total, c), { files: total.files + 1 });
  }
  return { byLayer, total, generated, scope };
}

/** Lines of code of a TS target's own server and entry (those of its files that exist). */
export function ownFiles(repo: string, runtime: string, files: readonly string[]): CodeProfile['own'] {
  const own = (RUNTIME_FILES[runtime] ?? []).filter((f) => files.includes(f));
  const code = own.reduce((n, f) => n + countLines(readFileSync(path.join(repo, f), 'utf8'), 'ts').code, 0);
  return { code, files: own };
}

export async function codeProfile(repo: string, s: SourceSpec): Promise<CodeProfile> {
  const files = await sourceFiles(repo, s);
  if (s.kind === 'go') {
    const tags = s.tags.length ? ` -tags ${s.tags.join(',')}` : '';
    return profileFiles(
      repo,
      files,
      `Go files \`go list -deps${tags} ${s.main}\` compiles from this module, and those packages' tests`,
    );
  }
  if (!s.runtime) return profileFiles(repo, files, `every .ts/.js file under ${s.dir}`);
  const scope = `every .ts/.js file under ${s.dir} but the other runtimes' own servers and entries`;
  return { ...profileFiles(repo, files, scope), own: ownFiles(repo, s.runtime, files) };
}
