// Stage 1, per target: warm-up, then the capacity search (open-loop steps until one fails, then bisection).

import { type Bench, type Life, measure, sleep, warmup } from './measure.js';
import type { TargetResult } from './results.js';
import { judge, searchCapacity, type Verdict } from './stats.js';

type Steps = TargetResult['capacity']['steps'];

/** One capacity step at `rate`; with `confirmFailures` a failing step is re-run and fails only if it fails again. */
async function probe(b: Bench, life: Life, rate: number, steps: Steps): Promise<Verdict> {
  const once = async (label: string): Promise<Verdict> => {
    await sleep(b.preset.settleS * 1000);
    b.progress.phase(
      life.name,
      label.endsWith('confirm') ? 'capacity (confirm)' : 'capacity',
      rate,
      b.preset.stepS,
    );
    const record = await life.phase('capacity', `${rate}/s`, () =>
      measure(b, life, rate, b.preset.stepS, label),
    );
    const v = judge(record.stats, b.opts.sloP99Ms);
    const st = record.stats;
    b.progress.end(
      `${v.pass ? 'pass' : 'FAIL'}: p99 ${st.latency.p99.toFixed(1)} ms, ${st.ok} ok, ${st.errors} errors, ${st.dropped} dropped`,
    );
    delete record.stats.timeline;
    steps.push({ rate, pass: v.pass, reasons: v.reasons, record });
    return v;
  };
  const v = await once(`capacity-${rate}`);
  if (v.pass || !b.preset.confirmFailures) return v;
  // A failure must repeat: one noisy step (a neighbour's burst) must not set the capacity.
  return once(`capacity-${rate}-confirm`);
}

export interface CapacityFound {
  warmup: TargetResult['warmup'];
  capacity: TargetResult['capacity'];
}

export async function findCapacity(b: Bench, life: Life): Promise<CapacityFound> {
  const w = await warmup(b, life);
  // The closed loop's throughput: where the open-loop search starts (a fraction of it) and how far it may go.
  const estimate = w.reqPerS;
  const steps: Steps = [];
  const cap = await searchCapacity((rate) => probe(b, life, rate, steps), {
    startRate: Math.max(1, Math.floor(b.preset.startFraction * estimate)),
    growth: 1.25,
    maxRate: Math.max(20, Math.ceil(4 * estimate)),
    bisectSteps: b.preset.bisectSteps,
  });
  b.progress.info(
    `[${life.name}] capacity ${cap.capacity} req/s (first failure at ${cap.firstFailure} req/s)`,
  );
  return {
    warmup: {
      closedLoop: true,
      ...w,
      note: `closed loop, ${w.inFlight} requests in flight; not a benchmark figure`,
    },
    capacity: { reqPerS: cap.capacity, firstFailure: cap.firstFailure, steps },
  };
}
