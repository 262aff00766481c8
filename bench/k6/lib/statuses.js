// @ts-check
// One counter per answer status, so the summary says how many 503s (shed) and errors each run saw.
import { Counter } from 'k6/metrics';

export const COUNTED_STATUSES = [0, 200, 400, 413, 415, 422, 429, 500, 502, 503, 504];

/** @type {Record<string, Counter>} */
const counters = {};
for (const s of COUNTED_STATUSES) counters[String(s)] = new Counter(`status_${s}`);
const other = new Counter('status_other');

/** @param {number} status */
export function countStatus(status) {
  (counters[String(status)] ?? other).add(1);
}
