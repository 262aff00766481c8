import { describe, expect, it } from 'vitest';
import { warmThroughput } from '../src/measure.js';
import {
  analyzePhase,
  judge,
  median,
  percentile,
  recoverySeconds,
  type Sample,
  searchCapacity,
  spread,
  summarizeLatencies,
} from '../src/stats.js';

describe('percentile (nearest rank)', () => {
  const v = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
  it.each([
    [50, 50],
    [90, 90],
    [99, 99],
    [100, 100],
    [0, 1],
    [0.5, 1],
  ])('p%s of 1..100 is %s', (p, want) => expect(percentile(v, p)).toBe(want));
  it('always returns a measured value', () => {
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30], 99)).toBe(30);
    expect(percentile([7], 99)).toBe(7);
  });
  it('is NaN for no data', () => expect(percentile([], 50)).toBeNaN());
});

describe('median and spread', () => {
  it('medians odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
  it('keeps every trial value and ignores NaN for median/min/max', () => {
    expect(spread([5, Number.NaN, 1, 3])).toEqual({
      median: 3,
      min: 1,
      max: 5,
      values: [5, Number.NaN, 1, 3],
    });
  });
  it('summarizes latencies', () => {
    const s = summarizeLatencies([4, 1, 3, 2]);
    expect(s).toMatchObject({ count: 4, mean: 2.5, p50: 2, p99: 4, max: 4 });
  });
});

describe('analyzePhase', () => {
  const samples: Sample[] = [
    ...Array.from({ length: 18 }, (_, i) => ({ t: i * 100, latencyMs: 10 + i, status: 200 })),
    { t: 1850, latencyMs: 5, status: 503 },
    { t: 1900, latencyMs: 10_000, status: 0, error: 'timeout' },
  ];
  const st = analyzePhase({ offeredRate: 11, durationS: 2, samples });
  it('never drops failed requests', () => {
    expect(st.sent).toBe(20);
    expect(st.ok).toBe(18);
    expect(st.errors).toBe(2);
    expect(st.errorsByStatus).toEqual({ '0': 1, '503': 1 });
    expect(st.latency.max).toBe(10_000); // the timeout is in the all-requests figures
    expect(st.accepted.max).toBe(27);
  });
  it('counts the requests the schedule wanted but were not sent', () => {
    expect(st.expected).toBe(22);
    expect(st.dropped).toBe(2);
    expect(st.achievedRate).toBe(9);
  });
  it('uses the driver’s own drop count when given', () => {
    expect(analyzePhase({ offeredRate: 11, durationS: 2, samples, dropped: 5 }).dropped).toBe(5);
  });
  it('builds one-second windows', () => {
    expect(st.timeline.map((w) => [w.s, w.sent, w.failed])).toEqual([
      [0, 10, 0],
      [1, 10, 2],
    ]);
  });
  it('judges against the SLO, errors and drops', () => {
    const v = judge(st, 500);
    expect(v.pass).toBe(false);
    expect(v.reasons.join(';')).toMatch(/2 errors.*2 dropped.*p99 10000 ms > SLO 500 ms/);
    const clean = analyzePhase({ offeredRate: 9, durationS: 2, samples: samples.slice(0, 18) });
    expect(judge(clean, 500)).toEqual({ pass: true, reasons: [] });
  });
});

describe('recoverySeconds', () => {
  const w = (s: number, failed: number, p99: number) => ({ s, sent: 10, ok: 10 - failed, failed, p99 });
  it('is the start of the first window after which all are good', () => {
    expect(recoverySeconds([w(0, 3, 900), w(1, 0, 100), w(2, 1, 100), w(3, 0, 80), w(4, 0, 60)], 500)).toBe(
      3,
    );
    expect(recoverySeconds([w(0, 0, 10)], 500)).toBe(0);
    expect(recoverySeconds([w(0, 0, 10), w(1, 0, 900)], 500)).toBeNaN();
  });
});

describe('searchCapacity on synthetic services', () => {
  const service = (capacity: number) => {
    const probed: number[] = [];
    const probe = async (rate: number) => {
      probed.push(rate);
      return rate <= capacity ? { pass: true, reasons: [] } : { pass: false, reasons: ['p99 over SLO'] };
    };
    return { probe, probed };
  };

  it('grows then bisects to the exact integer capacity', async () => {
    const s = service(37.3);
    const r = await searchCapacity(s.probe, { startRate: 10, growth: 1.5, maxRate: 1000, bisectSteps: 10 });
    expect(r.capacity).toBe(37);
    expect(r.firstFailure).toBe(38);
    expect(s.probed.slice(0, 4)).toEqual([10, 15, 23, 35]);
    expect(new Set(s.probed).size).toBe(s.probed.length); // no rate probed twice
  });
  it('stops bisecting after the allowed steps', async () => {
    const s = service(37.3);
    const r = await searchCapacity(s.probe, { startRate: 10, growth: 1.5, maxRate: 1000, bisectSteps: 1 });
    expect(r.steps).toHaveLength(6); // 10 15 23 35 53 (fail) 44 (fail)
    expect(r.capacity).toBe(35);
    expect(r.firstFailure).toBe(44);
  });
  it('walks down when the first step already fails', async () => {
    const s = service(4);
    const r = await searchCapacity(s.probe, { startRate: 20, growth: 2, maxRate: 1000, bisectSteps: 5 });
    expect(r.capacity).toBe(4);
    expect(s.probed).toEqual([20, 10, 5, 3, 4]);
  });
  it('reports 0 when even 1 req/s fails', async () => {
    const r = await searchCapacity(service(0.5).probe, {
      startRate: 3,
      growth: 2,
      maxRate: 10,
      bisectSteps: 3,
    });
    expect(r.capacity).toBe(0);
    expect(r.firstFailure).toBe(1);
  });
  it('stops at maxRate without a failure', async () => {
    const r = await searchCapacity(service(1e9).probe, {
      startRate: 5,
      growth: 2,
      maxRate: 30,
      bisectSteps: 3,
    });
    expect(r.capacity).toBe(30);
    expect(r.firstFailure).toBeNaN();
  });
});

describe('warm-up throughput', () => {
  it('is in-flight ÷ median latency of the later half, unmoved by a cold start or one stall', () => {
    // Two requests in flight, 100 ms each once warm (20 answers/s); 300 ms each while cold; one stall of 2 s.
    const cold = [300, 300, 600, 600].map((end) => ({ end, ms: 300 }));
    const warm = Array.from({ length: 6 }, (_, i) => ({ end: 650 + 50 * i, ms: 100 }));
    const stall = { end: 3300, ms: 2000 };
    expect(warmThroughput([...cold, ...warm], 2)).toBeCloseTo(20, 5);
    expect(warmThroughput([...cold, ...warm, stall], 2)).toBeCloseTo(20, 5);
    expect(warmThroughput([...cold, stall], 2)).toBeCloseTo(2000 / 300, 5); // never warm: the cold median, not the stall
  });
});
