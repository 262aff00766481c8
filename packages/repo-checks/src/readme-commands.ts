// Reads the shell blocks of the READMEs and says what each command needs from the repository: pnpm scripts that
// must exist and files that must be there. Every shell block runs from the repository root; a block that needs
// another folder says so with `cd DIR` (the convention the READMEs follow, so a newcomer can paste any block).

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Command {
  readme: string;
  /** 1-based line of the README where the command starts. */
  line: number;
  text: string;
}

export interface Need {
  /** script: must exist; argument: a word after a script that must not itself be a script (pnpm runs one). */
  kind: 'script' | 'argument' | 'path';
  /** For a script: the package folder whose package.json must have it; for a path: the path relative to the root. */
  where: string;
  name: string;
  command: Command;
}

const SHELL_FENCE = /^```(sh|bash|shell|console)\s*$/;

/** The commands of one README's shell blocks: continuation lines joined, comments and blank lines dropped. */
export function shellCommands(readme: string, text: string): Command[] {
  const out: Command[] = [];
  let inBlock = false;
  let pending: Command | undefined;
  text.split('\n').forEach((raw, i) => {
    if (!inBlock) {
      inBlock = SHELL_FENCE.test(raw);
      return;
    }
    if (raw.startsWith('```')) {
      inBlock = false;
      pending = undefined;
      out.push({ readme, line: i + 1, text: '' }); // a block boundary: the next block starts at the root again
      return;
    }
    const line = stripComment(raw).trimEnd();
    if (pending) pending.text += ` ${line.replace(/\\$/, '').trim()}`;
    else if (line.trim()) pending = { readme, line: i + 1, text: line.replace(/\\$/, '').trim() };
    if (pending && !line.endsWith('\\')) {
      out.push(pending);
      pending = undefined;
    }
  });
  return out;
}

/** Drops a `#` comment that is not inside quotes. */
function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i);
  }
  return line;
}

/** Splits on whitespace outside quotes, dropping the quotes. */
export function words(command: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  let has = false;
  for (const c of command) {
    if (quote) {
      if (c === quote) quote = '';
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += c;
  }
  if (has || cur) out.push(cur);
  return out;
}

const PNPM_BUILTINS = new Set([
  'install',
  'i',
  'add',
  'exec',
  'dlx',
  'list',
  'ls',
  'deploy',
  'why',
  'update',
  'store',
]);
/** Words after which the next word is something the command writes, not something that must exist. */
const OUTPUT_FLAGS = new Set(['-o', '--output', '>', '>>', '--out', '-c']);
/** Flags whose value is text, never a path (curl's headers). */
const TEXT_FLAGS = new Set(['-H', '--header']);

/** What the commands of one README need, following `cd` from the repository root, block by block. */
export function needsOf(commands: Command[]): Need[] {
  const needs: Need[] = [];
  let cwd = '.';
  for (const command of commands) {
    if (!command.text) {
      cwd = '.';
      continue;
    }
    // `a && b`, `a; b`, `a | b` are separate simple commands; `for …; do …; done` bodies are read the same way.
    for (const simple of command.text.split(/&&|\|\||;|\|/)) {
      const w = words(simple.trim()).filter((x) => !/^[A-Z_][A-Z0-9_]*=/.test(x)); // leading VAR=value
      const [head, ...args] = w;
      if (!head || ['for', 'do', 'done', 'then', 'fi', 'if'].includes(head)) continue;
      if (head === 'cd') {
        cwd = path.normalize(path.join(cwd, args[0] ?? '.'));
        needs.push({ kind: 'path', where: cwd, name: cwd, command });
        continue;
      }
      if (head === 'pnpm') needs.push(...pnpmNeeds(args, cwd, command));
      for (const [i, arg] of w.entries()) {
        const p = pathIn(arg);
        const before = w[i - 1] ?? '';
        if (p === undefined || i === 0 || OUTPUT_FLAGS.has(before) || TEXT_FLAGS.has(before)) continue;
        if (head === 'pnpm' && (before === '--filter' || before === '-F')) continue; // a package name
        needs.push({ kind: 'path', where: path.normalize(path.join(cwd, p)), name: p, command });
      }
      const p0 = pathIn(head);
      if (p0 !== undefined)
        needs.push({ kind: 'path', where: path.normalize(path.join(cwd, p0)), name: p0, command });
    }
  }
  return needs;
}

function pnpmNeeds(args: string[], cwd: string, command: Command): Need[] {
  let pkg = cwd;
  let filter: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--filter' || a === '-F') filter = args[++i];
    else if (a.startsWith('--filter=')) filter = a.slice('--filter='.length);
    else rest.push(a);
  }
  if (filter) pkg = `filter:${filter}`;
  const [verb, script] = rest[0] === 'run' ? ['run', rest[1]] : [undefined, rest[0]];
  if (!script || script.startsWith('-') || (verb === undefined && PNPM_BUILTINS.has(script))) return [];
  // `pnpm test` etc. are scripts too (pnpm runs the package's script of that name).
  const needs: Need[] = [{ kind: 'script', where: pkg, name: script, command }];
  const next = rest[verb ? 2 : 1];
  if (next && !next.startsWith('-')) needs.push({ kind: 'argument', where: pkg, name: next, command });
  return needs;
}

/** The repository path a word names, if it names one: `a/b`, `./x`, `@file` of curl, `x.json`. */
export function pathIn(word: string): string | undefined {
  const upload = /^([a-z]+=)?@[^@]/.test(word); // curl's `-F name=@file` and `--data-binary @file`
  const w = word.replace(/^[a-z]+=@/, '').replace(/^@/, '');
  if ((!upload && !w.includes('/')) || /^[a-z+]+:\/\//.test(w) || /^(localhost|127\.|\[::1\])/.test(w))
    return undefined;
  if (/[$<>*{}?=]|…/.test(w) || w.startsWith('-') || w.startsWith('@') || w.startsWith('/')) return undefined;
  if (/^[\w.-]+\/[\w.-]+@/.test(w)) return undefined; // a package spec like pnpm@12 or owner/name@v
  return w.replace(/\/\.\.\.$/, '').replace(/[,.:)]+$/, ''); // `./cmd/...` is Go's pattern for cmd and below
}

/** The problems with one need, checked against the repository at `root`. */
export function check(need: Need, root: string): string | undefined {
  const at = `${need.command.readme}:${need.command.line}: \`${need.command.text}\``;
  if (need.kind === 'path') {
    if (need.where.startsWith('..'))
      return `${at}: ${need.name} is outside the repository (missing a \`cd\`?)`;
    const full = path.join(root, need.where);
    if (existsSync(full) || builtOutput(root, need.where)) return undefined;
    return `${at}: ${need.where} does not exist`;
  }
  const dir = need.where.startsWith('filter:') ? packageDir(root, need.where.slice(7)) : need.where;
  if (!dir) return `${at}: no workspace package ${need.where.slice(7)}`;
  const pkg = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const has = pkg.scripts?.[need.name] !== undefined;
  if (need.kind === 'script' && !has) return `${at}: ${dir}/package.json has no script "${need.name}"`;
  if (need.kind === 'argument' && has) {
    return `${at}: "${need.name}" would be passed as an argument to the script before it (pnpm runs one script)`;
  }
  return undefined;
}

/**
 * A path git ignores (bin/, dist/, results/) is made by a build or a run: the folder that holds its topmost ignored
 * part must exist and be a package's, not the repository root (nothing is built there).
 */
function builtOutput(root: string, rel: string): boolean {
  const parts = rel.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    if (ignored(root, prefix)) {
      const holder = parts.slice(0, i - 1).join('/');
      return holder !== '' && existsSync(path.join(root, holder, 'package.json'));
    }
  }
  return false;
}

function ignored(root: string, rel: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '-q', '--no-index', rel], { cwd: root, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const packageDirs = new Map<string, string>();
function packageDir(root: string, name: string): string | undefined {
  if (packageDirs.size === 0) {
    const list = execFileSync('git', ['ls-files', '*package.json', ':!:**/node_modules/**'], {
      cwd: root,
      encoding: 'utf8',
    });
    for (const file of list.split('\n').filter(Boolean)) {
      const pkg = JSON.parse(readFileSync(path.join(root, file), 'utf8')) as { name?: string };
      if (pkg.name) packageDirs.set(pkg.name, path.dirname(file));
    }
  }
  return packageDirs.get(name.replace(/\.\.\.$/, ''));
}
