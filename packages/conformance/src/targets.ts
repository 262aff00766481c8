// Which services the suite runs against: every built implementation (default), or the URLs in
// CONFORMANCE_TARGETS.

import { IMPLEMENTATIONS, type Implementation } from '@rtip/contract';

export interface Target {
  name: string;
  url: string;
  /** Set when the suite started the service itself (it can then also start variants with other settings). */
  implementation?: Implementation;
}

/** What the suite starts when CONFORMANCE_TARGETS is unset: every implementation of the contract. */
export const DEFAULT_IMPLEMENTATIONS: readonly Implementation[] = IMPLEMENTATIONS;

/** `go=http://localhost:8080,ts=http://localhost:8081` → targets; undefined when the variable is unset. */
export function targetsFromEnv(value: string | undefined): Target[] | undefined {
  if (!value) return undefined;
  return value.split(',').map((entry) => {
    const [name, url] = entry.split('=');
    if (!name || !url || !/^https?:\/\//.test(url)) {
      throw new Error(`CONFORMANCE_TARGETS entry "${entry}" is not name=http(s)://host:port`);
    }
    return { name, url: url.replace(/\/$/, '') };
  });
}

/** Every unordered pair, in list order: the cells of the picture-equivalence matrix. */
export function pairs<T>(items: readonly T[]): [T, T][] {
  return items.flatMap((a, i) => items.slice(i + 1).map((b): [T, T] => [a, b]));
}
