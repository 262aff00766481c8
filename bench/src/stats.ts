// Statistics of the benchmark: percentiles, trial summaries, per-phase figures and the capacity search.

/** Nearest-rank percentile (no interpolation: every reported value is a latency that was measured). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0] as number;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Every trial's value, in trial order. */
  values: number[];
}

/** Median with min–max over trials; NaN values (a figure a trial could not measure) are kept in `values`. */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter((x) => Number.isFinite(x));
  return {
    median: median(finite),
    min: finite.length ? Math.min(...finite) : Number.NaN,
    max: finite.length ? Math.max(...finite) : Number.NaN,
    values: [...values],
  };
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summarizeLatencies(latencies: readonly number[]): LatencySummary {
  const s = [...latencies].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return {
    count: s.length,
    mean: s.length ? sum / s.length : Number.NaN,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s.length ? (s[s.length - 1] as number) : Number.NaN,
  };
}

/** One request as every driver reports it. */
export interface Sample {
  /** Send time in ms since the phase started. */
  t: number;
  latencyMs: number;
  /** HTTP status; 0 when no answer came (connection error, client timeout). */
  status: number;
  error?: string;
}

export interface WindowStats {
  /** Start of the one-second window, seconds since the phase started. */
  s: number;
  sent: number;
  ok: number;
  failed: number;
  p99: number;
}

export interface PhaseStats {
  offeredRate: number;
  durationS: number;
  /** Requests the schedule asked for: rate × duration. */
  expected: number;
  sent: number;
  /** Scheduled requests the generator did not send (k6 dropped_iterations, or vegeta's shortfall). */
  dropped: number;
  ok: number;
  /** Every answer that was not 2xx, by status; "0" is a request without an answer (error/timeout). */
  errorsByStatus: Record<string, number>;
  errors: number;
  /** Successful answers per second of the phase. */
  achievedRate: number;
  /** Every sent request, failed ones included. */
  latency: LatencySummary;
  /** 2xx answers only: what a client whose request was accepted saw. */
  accepted: LatencySummary;
  timeline: WindowStats[];
}

export interface AnalyzeInput {
  offeredRate: number;
  durationS: number;
  samples: readonly Sample[];
  /** When the driver counts drops itself (k6 dropped_iterations), use its number. */
  dropped?: number;
}

export function analyzePhase({ offeredRate, durationS, samples, dropped }: AnalyzeInput): PhaseStats {
  // Arrivals at 0, 1/rate, 2/rate, … before the end: what vegeta and k6 both schedule.
  const expected = Math.ceil(offeredRate * durationS - 1e-9);
  const errorsByStatus: Record<string, number> = {};
  const okLat: number[] = [];
  for (const s of samples) {
    if (s.status >= 200 && s.status < 300) okLat.push(s.latencyMs);
    else errorsByStatus[String(s.status)] = (errorsByStatus[String(s.status)] ?? 0) + 1;
  }
  const errors = Object.values(errorsByStatus).reduce((a, b) => a + b, 0);
  return {
    offeredRate,
    durationS,
    expected,
    sent: samples.length,
    dropped: dropped ?? Math.max(0, expected - samples.length),
    ok: okLat.length,
    errorsByStatus,
    errors,
    achievedRate: durationS > 0 ? okLat.length / durationS : Number.NaN,
    latency: summarizeLatencies(samples.map((s) => s.latencyMs)),
    accepted: summarizeLatencies(okLat),
    timeline: windows(samples, 1000),
  };
}

export function windows(samples: readonly Sample[], widthMs: number): WindowStats[] {
  const buckets = new Map<number, Sample[]>();
  for (const s of samples) {
    const k = Math.max(0, Math.floor(s.t / widthMs));
    let b = buckets.get(k);
    if (!b) {
      b = [];
      buckets.set(k, b);
    }
    b.push(s);
  }
  const last = Math.max(-1, ...buckets.keys());
  const out: WindowStats[] = [];
  for (let k = 0; k <= last; k++) {
    const b = buckets.get(k) ?? [];
    const ok = b.filter((s) => s.status >= 200 && s.status < 300).length;
    out.push({
      s: (k * widthMs) / 1000,
      sent: b.length,
      ok,
      failed: b.length - ok,
      p99: percentile(
        b.map((s) => s.latencyMs).sort((x, y) => x - y),
        99,
      ),
    });
  }
  return out;
}

export interface Verdict {
  pass: boolean;
  reasons: string[];
}

/** A load step is within capacity when nothing failed, nothing was dropped and p99 (of all requests) met the SLO. */
export function judge(
  stats: Pick<PhaseStats, 'errors' | 'errorsByStatus' | 'dropped' | 'latency'>,
  sloP99Ms: number,
): Verdict {
  const reasons: string[] = [];
  if (stats.errors > 0) reasons.push(`${stats.errors} errors ${JSON.stringify(stats.errorsByStatus)}`);
  if (stats.dropped > 0) reasons.push(`${stats.dropped} dropped`);
  if (!(stats.latency.p99 <= sloP99Ms))
    reasons.push(`p99 ${stats.latency.p99.toFixed(0)} ms > SLO ${sloP99Ms} ms`);
  return { pass: reasons.length === 0, reasons };
}

/**
 * Seconds after an overload until the service is healthy again: the start of the first one-second window
 * from which every later window has only successes and a p99 within the SLO. NaN if it never recovered.
 */
export function recoverySeconds(timeline: readonly WindowStats[], sloP99Ms: number): number {
  let firstGood = Number.NaN;
  for (const w of timeline) {
    const good = w.sent > 0 && w.failed === 0 && w.p99 <= sloP99Ms;
    if (good && Number.isNaN(firstGood)) firstGood = w.s;
    if (!good) firstGood = Number.NaN;
  }
  return firstGood;
}

export interface CapacityStep {
  rate: number;
  pass: boolean;
  reasons: string[];
}

export interface CapacityResult {
  /** Highest integer arrival rate (req/s) that passed; 0 when even 1 req/s failed. */
  capacity: number;
  /** Lowest rate that failed (NaN if the search hit maxRate without a failure). */
  firstFailure: number;
  steps: CapacityStep[];
}

export interface CapacitySearchOptions {
  startRate: number;
  /** Multiplier between steps while they pass (e.g. 1.25). */
  growth: number;
  maxRate: number;
  /** Bisection probes between the last pass and the first failure. */
  bisectSteps: number;
}

/**
 * Raises the arrival rate geometrically until a step fails, then bisects between the last passing and the
 * first failing rate. Rates are whole requests per second (what both drivers accept).
 */
export async function searchCapacity(
  probe: (rate: number) => Promise<Verdict>,
  opts: CapacitySearchOptions,
): Promise<CapacityResult> {
  const steps: CapacityStep[] = [];
  const tried = new Map<number, boolean>();
  const run = async (rate: number): Promise<boolean> => {
    const known = tried.get(rate);
    if (known !== undefined) return known;
    const v = await probe(rate);
    steps.push({ rate, pass: v.pass, reasons: v.reasons });
    tried.set(rate, v.pass);
    return v.pass;
  };
  let lo = 0;
  let hi = Number.NaN;
  let rate = Math.max(1, Math.round(opts.startRate));
  if (await run(rate)) {
    lo = rate;
    while (lo < opts.maxRate) {
      const next = Math.min(opts.maxRate, Math.max(lo + 1, Math.round(lo * opts.growth)));
      if (await run(next)) lo = next;
      else {
        hi = next;
        break;
      }
    }
  } else {
    hi = rate;
    while (rate > 1) {
      rate = Math.max(1, Math.min(rate - 1, Math.round(rate / opts.growth)));
      if (await run(rate)) {
        lo = rate;
        break;
      }
      hi = rate;
    }
  }
  for (let i = 0; i < opts.bisectSteps && Number.isFinite(hi) && hi - lo > 1; i++) {
    const mid = Math.round((lo + hi) / 2);
    if (await run(mid)) lo = mid;
    else hi = mid;
  }
  return { capacity: lo, firstFailure: hi, steps };
}
