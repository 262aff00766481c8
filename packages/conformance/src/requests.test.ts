import { describe, expect, it } from 'vitest';
import { metricFamilies, metricValue } from './requests.js';

const exposition = `# HELP http_requests_total HTTP requests answered.
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/healthz",status="200"} 4
http_requests_total{route="/healthz",status="200",method="GET"} 1
http_requests_total{route="/process",method="POST",status="400"} 2
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1.2345e+07
`;

describe('metricValue', () => {
  it('sums the series whose labels match, in any label order', () => {
    expect(metricValue(exposition, 'http_requests_total', { route: '/healthz', method: 'GET' })).toBe(5);
    expect(metricValue(exposition, 'http_requests_total')).toBe(7);
    expect(metricValue(exposition, 'http_requests_total', { route: '/nope' })).toBeUndefined();
    expect(metricValue(exposition, 'process_resident_memory_bytes')).toBe(12_345_000);
  });

  it('lists the families', () => {
    expect([...metricFamilies(exposition)]).toEqual(['http_requests_total', 'process_resident_memory_bytes']);
  });
});
