// @ts-check
// handleSummary: the full summary data as JSON for the orchestrator, one short line on stdout.

/**
 * @param {any} data k6's end-of-test summary data
 * @param {string} path where the JSON goes
 * @returns {Record<string, string>}
 */
export function writeSummary(data, path) {
  const d = data.metrics.http_req_duration?.values ?? {};
  const reqs = data.metrics.http_reqs?.values?.count ?? 0;
  const dropped = data.metrics.dropped_iterations?.values?.count ?? 0;
  const line = `k6: ${reqs} requests, ${dropped} dropped, p99 ${Number(d['p(99)'] ?? 0).toFixed(1)} ms\n`;
  return { [path]: JSON.stringify(data), stdout: line };
}
