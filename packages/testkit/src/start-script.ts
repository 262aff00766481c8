// The environment defaults a start script sets: lines `export NAME="${NAME:-value}"` (the environment wins). The
// TS service's start.sh is the one home of its glibc malloc settings; the harness and the container checks read
// them from it instead of restating them.

import { readFileSync } from 'node:fs';

export function startScriptDefaults(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^export (\w+)="\$\{(\w+):-([^}]*)\}"$/gm)) {
    const [, name = '', inner, value = ''] = m;
    if (name === inner) out.set(name, value);
  }
  return out;
}

export const readStartScriptDefaults = (file: string): Map<string, string> =>
  startScriptDefaults(readFileSync(file, 'utf8'));
