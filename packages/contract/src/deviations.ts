// Where a target's server cannot do what the contract asks: the documented deviations. Each one names the
// contract point, what happens instead, and the runtime's doc or issue. The conformance suite asserts the behaviour
// written here for that target (by id), so that a runtime upgrade that changes it fails a test; the README's table
// and the benchmark reports are rendered from this list.

import type { Implementation } from './config.js';

export interface Deviation {
  /** Stable name the conformance suite refers to. */
  id: string;
  target: Implementation;
  /** The contract point (README section and rule). */
  point: string;
  /** What happens instead, as observed on the pinned runtime. */
  instead: string;
  /** The runtime's documentation or issue tracker entries; empty when none was found. */
  links: readonly string[];
}

/** The pinned runtimes these were observed on (`.bun-version`, `.deno-version` at the repository root). */
export const DEVIATION_RUNTIMES = { 'ts-bun': 'Bun 1.4.4', 'ts-deno': 'Deno 2.9.6' } as const;

export const DEVIATIONS: readonly Deviation[] = [
  {
    id: 'bun-head-over-64k',
    target: 'ts-bun',
    point: 'Edge policy 1: a head over 16 KiB → 431 problem+json',
    instead:
      'heads of 16–64 KiB get the contract answer (the entry raises Bun’s limit to 64 KiB); over 64 KiB Bun answers a bare 431 itself (no problem+json, no X-Request-Id, not logged or counted)',
    links: ['https://github.com/oven-sh/bun/issues/10525'],
  },
  {
    id: 'bun-parser-400',
    target: 'ts-bun',
    point:
      'Edge policy 1: Content-Length with Transfer-Encoding, two Content-Lengths, a coding other than chunked, a missing Host → 400 problem+json',
    instead: 'Bun’s parser answers a bare 400 and closes: the status is the contract’s, the body is not',
    links: ['https://bun.sh/reference/bun/ServeOptions'],
  },
  {
    id: 'bun-control-bytes-505',
    target: 'ts-bun',
    point: 'Edge policy 1: raw control bytes in the request target → 400',
    instead: 'Bun answers a bare 505 HTTP Version Not Supported',
    links: [],
  },
  {
    id: 'bun-raw-utf8',
    target: 'ts-bun',
    point: 'Edge policy 1: raw non-ASCII bytes in the request target → 400',
    instead:
      'raw UTF-8 in the target is accepted and percent-encoded before the service sees it (answered as if sent encoded)',
    links: [],
  },
  {
    id: 'bun-options-star',
    target: 'ts-bun',
    point: 'Edge policy 2: OPTIONS * → 404 problem+json',
    instead: 'Bun answers a bare 400',
    links: [],
  },
  {
    id: 'bun-no-header-timeout',
    target: 'ts-bun',
    point: 'Edge policy 1: a head not complete within 10 s → 408 HEADERS_TIMEOUT',
    instead:
      'no header deadline: Bun’s idle timeout (10 s; its timer ticks every 4 s) closes the connection without an answer 8–12 s after it opened, also while the head is still arriving',
    links: ['https://bun.sh/reference/bun/Serve/HostnamePortServeOptions/idleTimeout'],
  },
  {
    id: 'bun-early-answer',
    target: 'ts-bun',
    point: 'Early answers 1–5: Connection: close, the service’s lingering close, http_lingering_*',
    instead:
      'early answers go out whole with Content-Length but without Connection: close (Bun would reset the connection over the unread body); Bun reads and drops the rest itself and keeps the connection until the timeout the service sets on it ends it, whether or not the client is still sending: no sooner than LINGER_IDLE_MS and at most 8 s later, as Bun’s timers fire on a sweep every 4 s. A request that itself says Connection: close is answered once the service has read and dropped its body, or the client has sent nothing for 250 ms (within LINGER_TIMEOUT_MS), as Bun closes such a connection right after the answer. No MAX_LINGERING bound, nothing counted in http_lingering_*',
    links: ['https://github.com/oven-sh/bun/issues/10507'],
  },
  {
    id: 'bun-100-continue',
    target: 'ts-bun',
    point: 'Early answers: 100 Continue only when the body is read',
    instead:
      'Bun sends 100 Continue at once, before the service decides (a 413 by declared length follows a 100)',
    links: [],
  },
  {
    id: 'deno-parser-400',
    target: 'ts-deno',
    point:
      'Edge policy 1: Content-Length with Transfer-Encoding, two Content-Lengths, Transfer-Encoding: gzip, two Host headers, raw control bytes in the request target, a head over 64 KiB → 400/431 problem+json',
    instead: 'Deno’s parser (hyper) answers a bare 400; heads of 16–64 KiB get the contract’s 431',
    links: [],
  },
  {
    id: 'deno-no-header-timeout',
    target: 'ts-deno',
    point: 'Edge policy 1: a head not complete within 10 s → 408 HEADERS_TIMEOUT; idle connections closed',
    instead: 'no header deadline and no idle timeout: a connection that never completes its head stays open',
    links: ['https://github.com/denoland/deno/issues/3515'],
  },
  {
    id: 'deno-connection-close',
    target: 'ts-deno',
    point: 'Edge answers, early answers and answers while draining close the connection',
    instead: 'Connection: close is sent but the connection stays open until the client closes it',
    links: ['https://github.com/denoland/deno/issues/9411'],
  },
  {
    id: 'deno-early-answer',
    target: 'ts-deno',
    point: 'Early answers 2–5: the service’s lingering close, http_lingering_*',
    instead:
      'the answer goes out whole and the rest of the body is cancelled (Deno stops reading it): no lingering bound, nothing counted in http_lingering_*. A body is no longer readable after a streamed answer once the handler crossed a macrotask, so the service cannot linger itself',
    links: ['https://github.com/denoland/deno/issues/36624'],
  },
  {
    id: 'deno-100-continue',
    target: 'ts-deno',
    point: 'Early answers: 100 Continue only when the body is read',
    instead: 'Deno sends 100 Continue at once',
    links: [],
  },
];

/** The deviations of one target, by id. */
export function deviationsOf(target: string): ReadonlyMap<string, Deviation> {
  return new Map(DEVIATIONS.filter((d) => d.target === target).map((d) => [d.id, d]));
}

/** The table as the contract README and the reports print it (Markdown). */
export function deviationsTable(): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  return [
    '| target | contract point | what happens instead | doc / issue |',
    '|---|---|---|---|',
    ...DEVIATIONS.map(
      (d) =>
        `| ${d.target} | ${cell(d.point)} | ${cell(d.instead)} | ${d.links.length ? d.links.join(' ') : 'none found'} |`,
    ),
  ].join('\n');
}
