// @ts-check
// POST /process at a constant arrival rate (open loop): the benchmark request of bench/scenarios.json.
import { check } from 'k6';
import http from 'k6/http';
import { config } from './lib/config.js';
import { countStatus } from './lib/statuses.js';
import { writeSummary } from './lib/summary.js';

const image = open(config.imagePath, 'b');
const url = `${config.targetUrl}/process?${config.query}`;

/** @type {import('k6/options').Options} */
export const options = {
  discardResponseBodies: true,
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(50)', 'p(90)', 'p(99)', 'count'],
  scenarios: {
    process: {
      executor: 'constant-arrival-rate',
      rate: config.rate,
      timeUnit: '1s',
      duration: config.duration,
      preAllocatedVUs: config.preAllocatedVUs,
      maxVUs: config.maxVUs,
      gracefulStop: `${config.timeoutS}s`,
    },
  },
  // Thresholds mark a run as over capacity; they never abort it (the harness reads every figure).
  thresholds: {
    'http_req_duration{expected_response:true}': [`p(99)<${config.sloP99Ms}`],
    http_req_failed: ['rate==0'],
    dropped_iterations: ['count==0'],
  },
};

export default function () {
  const res = http.post(
    url,
    { image: http.file(image, config.imageName, 'image/jpeg') },
    { timeout: `${config.timeoutS}s`, tags: { name: 'POST /process' } },
  );
  countStatus(res.status);
  check(res, { 'status is 200': (r) => r.status === 200 });
}

/** @param {any} data */
export function handleSummary(data) {
  return writeSummary(data, config.summaryPath);
}
