// .dockerignore semantics (moby/patternmatcher): which context paths a build never sees.

import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface Rule {
  regex: RegExp;
  negated: boolean;
}

export interface IgnoreMatcher {
  patterns: string[];
  /** True when the context-relative path (or a folder above it) is excluded. */
  excludes(path: string): boolean;
}

function clean(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

function toRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` matches zero or more folders; a bare `**` matches anything.
        if (pattern[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else out += '.*';
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) out += `\\${pattern[++i]}`;
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) out += '\\[';
      else {
        out += `[${pattern.slice(i + 1, end).replace(/^!/, '^')}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

export function parseDockerignore(text: string): IgnoreMatcher {
  const patterns = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const rules: Rule[] = patterns.map((p) => {
    const negated = p.startsWith('!');
    return { negated, regex: toRegex(clean(negated ? p.slice(1).trim() : p)) };
  });
  return {
    patterns,
    excludes(path: string): boolean {
      const parts = clean(path).split('/');
      // A path is excluded when it or one of its parent folders matches; the last matching rule wins.
      let excluded = false;
      for (const rule of rules) {
        for (let n = 1; n <= parts.length; n++) {
          if (rule.regex.test(parts.slice(0, n).join('/'))) {
            excluded = !rule.negated;
            break;
          }
        }
      }
      return excluded;
    },
  };
}

/**
 * The ignore file a build uses: `<Dockerfile>.dockerignore` beside the Dockerfile wins over
 * `<context>/.dockerignore`; undefined when neither exists.
 */
export function dockerignoreFor(contextDir: string, dockerfile: string): string | undefined {
  for (const candidate of [`${dockerfile}.dockerignore`, join(contextDir, '.dockerignore')]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function loadDockerignore(contextDir: string, dockerfile: string): IgnoreMatcher {
  const file = dockerignoreFor(contextDir, dockerfile);
  return parseDockerignore(file === undefined ? '' : readFileSync(file, 'utf8'));
}

/** Context-relative path of `file` (for messages). */
export function contextPath(contextDir: string, file: string): string {
  return relative(contextDir, file) || '.';
}
