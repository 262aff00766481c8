// A small lines-of-code counter for Go and TypeScript/JavaScript, the languages of the services: each line is
// blank, comment or code, as scc and cloc count them. No ready counter could be pinned here (the module proxy
// does not serve github.com/boyter/scc), so this one is tested on a fixture tree (test/fixtures/profile-tree).
// Strings are tracked so that "//" inside a URL or a regular expression's text is not taken for a comment.

export interface LineCounts {
  code: number;
  comment: number;
  blank: number;
}

export type Language = 'go' | 'ts';

export function languageOf(file: string): Language | undefined {
  if (file.endsWith('.go')) return 'go';
  if (/\.(c|m)?[tj]sx?$/.test(file) && !file.endsWith('.d.ts')) return 'ts';
  return undefined;
}

/** A file's first lines say it is generated (Go's convention, also used by code generators for TS). */
export const isGenerated = (text: string): boolean =>
  /^\/\/ Code generated .* DO NOT EDIT\.$/m.test(text.split('\n', 20).join('\n'));

type State =
  | { kind: 'code' }
  | { kind: 'block' }
  /** quote: ' or " (one line), ` (Go raw string, or a TS template literal) */
  | { kind: 'string'; quote: string };

/**
 * Counts one file's lines. A line with any code (strings included) is code; a line with only comments is a
 * comment line; a line with nothing but white space is blank. TS template literals' `${…}` parts are code: a
 * stack of brace depths tells where each one ends, so nested templates are followed.
 */
export function countLines(text: string, lang: Language): LineCounts {
  const out: LineCounts = { code: 0, comment: 0, blank: 0 };
  let state: State = { kind: 'code' };
  // TS only: for each open `${`, the brace depth at which it closes.
  const templates: number[] = [];
  let braces = 0;
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    let code = state.kind === 'string';
    let comment = state.kind === 'block';
    for (let i = 0; i < line.length; i++) {
      const c = line[i] as string;
      const next = line[i + 1];
      if (state.kind === 'block') {
        comment = true;
        if (c === '*' && next === '/') {
          state = { kind: 'code' };
          i++;
        }
        continue;
      }
      if (state.kind === 'string') {
        code = true;
        if (c === '\\' && !(lang === 'go' && state.quote === '`')) i++;
        else if (lang === 'ts' && state.quote === '`' && c === '$' && next === '{') {
          templates.push(braces);
          braces++;
          state = { kind: 'code' };
          i++;
        } else if (c === state.quote) state = { kind: 'code' };
        continue;
      }
      if (c === ' ' || c === '\t') continue;
      if (c === '/' && next === '/') {
        comment = true;
        break;
      }
      if (c === '/' && next === '*') {
        comment = true;
        state = { kind: 'block' };
        i++;
        continue;
      }
      code = true;
      if (c === '"' || c === "'" || c === '`') state = { kind: 'string', quote: c };
      else if (c === '{') braces++;
      else if (c === '}') {
        braces--;
        if (templates.length > 0 && templates[templates.length - 1] === braces) {
          templates.pop();
          state = { kind: 'string', quote: '`' };
        }
      }
    }
    // A one-line string left open (a stray quote) must not swallow the rest of the file.
    if (state.kind === 'string' && state.quote !== '`') state = { kind: 'code' };
    if (code) out.code++;
    else if (comment) out.comment++;
    else out.blank++;
  }
  return out;
}

export const addCounts = (a: LineCounts, b: LineCounts): LineCounts => ({
  code: a.code + b.code,
  comment: a.comment + b.comment,
  blank: a.blank + b.blank,
});

export const ZERO: LineCounts = { code: 0, comment: 0, blank: 0 };
