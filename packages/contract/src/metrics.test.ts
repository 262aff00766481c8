import { describe, expect, it } from 'vitest';
import { LINGER_OUTCOMES, METRIC_NAMES, METRICS } from './metrics.js';

describe('metric table', () => {
  it('names are unique and follow the Prometheus conventions promtool checks', () => {
    expect(new Set(METRIC_NAMES).size).toBe(METRIC_NAMES.length);
    for (const m of Object.values(METRICS)) {
      expect(m.name, m.name).toMatch(/^[a-z_][a-z0-9_]*$/);
      // Only counters end in _total; a histogram's unit is its last word.
      expect(m.name.endsWith('_total'), m.name).toBe(m.type === 'counter');
      if (m.type === 'histogram') expect(m.name, m.name).toMatch(/_seconds$/);
    }
  });

  it('counts lingering closes by the three outcomes of the README', () => {
    expect(METRICS.lingerCloses).toMatchObject({
      name: 'http_lingering_closes_total',
      type: 'counter',
      labels: ['outcome'],
    });
    expect(LINGER_OUTCOMES).toEqual(['drained', 'timed_out', 'capped']);
    expect(METRICS.lingering).toMatchObject({ name: 'http_lingering_connections', type: 'gauge' });
  });
});
