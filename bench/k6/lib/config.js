// @ts-check
// Run settings, all from __ENV (the orchestrator in bench/src/drivers/k6.ts sets them from scenarios.json).

/** @param {string} name */
function required(name) {
  const v = __ENV[name];
  if (v === undefined || v === '') throw new Error(`k6 script: env ${name} is required`);
  return v;
}

/** @param {string} name @param {number} fallback */
function num(name, fallback) {
  const v = __ENV[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`k6 script: env ${name} must be a number, got "${v}"`);
  return n;
}

const rate = num('RATE', 1);
const timeoutS = num('TIMEOUT_S', 10);

export const config = {
  /** Base URL of the service under test, e.g. http://127.0.0.1:8080 */
  targetUrl: required('TARGET_URL').replace(/\/$/, ''),
  /** Query string of the operation, e.g. grayscale=true&width=800 */
  query: __ENV.QUERY ?? 'grayscale=true',
  imagePath: required('IMAGE_PATH'),
  imageName: __ENV.IMAGE_NAME ?? 'image.jpg',
  rate,
  duration: __ENV.DURATION ?? '10s',
  timeoutS,
  sloP99Ms: num('SLO_P99_MS', 500),
  // Open model: enough VUs that one per request in flight never runs out before the server does.
  preAllocatedVUs: Math.max(5, Math.ceil(rate)),
  maxVUs: Math.max(20, Math.ceil(rate * timeoutS) + 20),
  summaryPath: __ENV.SUMMARY_PATH ?? 'summary.json',
};
