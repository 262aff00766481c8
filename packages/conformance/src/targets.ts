// Which services the suite runs against: both built services (default), or the URLs in CONFORMANCE_TARGETS.

import type { Implementation } from './services.js';

export interface Target {
  name: string;
  url: string;
  /** Set when the suite started the service itself (it can then also start variants with other settings). */
  implementation?: Implementation;
}

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
