// Stage 2, one trial of one target: warm-up, the fixed loads every target shares, then the overload at 150% of
// the target's own capacity and the recovery right after it.

import { type Bench, type Life, measure, sleep, warmup } from './measure.js';
import type { BandKind, PhaseKind, PhaseRecord, Results } from './results.js';
import { recoverySeconds } from './stats.js';

export interface TrialPhaseRecord {
  name: string;
  kind: PhaseKind;
  rate: number;
  /** What the rate is relative to (the same for every target, or this target's own capacity). */
  basis: string;
  record: PhaseRecord;
  /** Overload only: seconds until the service was healthy again after it. */
  recoveryS?: number;
}

/** The fixed loads: fractions of the slowest target's capacity, the same for every target. */
export function fixedRates(
  fractions: number[],
  caps: Array<{ name: string; cap: number }>,
): Results['fixedRates'] {
  const slowest = caps.reduce((a, b) => (b.cap < a.cap ? b : a));
  return fractions.map((f) => ({
    name: `fixed-${Math.round(f * 100)}%`,
    rate: Math.max(1, Math.round(f * slowest.cap)),
    basis: `${Math.round(f * 100)}% of the slowest capacity (${slowest.name}, ${slowest.cap} req/s)`,
  }));
}

async function phase(
  b: Bench,
  life: Life,
  trial: number,
  p: { name: string; kind: BandKind; rate: number; durationS: number },
): Promise<PhaseRecord> {
  b.progress.phase(life.name, `trial ${trial}: ${p.name}`, p.rate, p.durationS);
  const rec = await life.phase(p.kind, `${p.name} ${p.rate}/s`, () =>
    measure(b, life, p.rate, p.durationS, `t${trial}-${p.name}`),
  );
  const s = rec.stats;
  b.progress.end(
    `${s.achievedRate.toFixed(1)} ok/s, p99 ${s.latency.p99.toFixed(1)} ms, ${s.errors} errors, ${s.dropped} dropped`,
  );
  return rec;
}

export async function runTrial(
  b: Bench,
  life: Life,
  trial: number,
  fixed: Results['fixedRates'],
  ownCapacity: number,
): Promise<TrialPhaseRecord[]> {
  const { preset, opts } = b;
  const out: TrialPhaseRecord[] = [];
  await warmup(b, life);
  for (const f of fixed) {
    await sleep(preset.settleS * 1000);
    const record = await phase(b, life, trial, { ...f, kind: 'fixed', durationS: opts.durationS });
    delete record.stats.timeline;
    out.push({ name: f.name, kind: 'fixed', rate: f.rate, basis: f.basis, record });
  }
  await sleep(preset.settleS * 1000);
  const cap = Math.max(1, ownCapacity);
  const overRate = Math.max(2, Math.round(preset.overloadFactor * cap));
  const over = await phase(b, life, trial, {
    name: 'overload',
    kind: 'overload',
    rate: overRate,
    durationS: opts.durationS,
  });
  // No pause: recovery is measured from the moment the overload stops.
  const recRate = Math.max(1, Math.round(preset.recoveryFraction * cap));
  const rec = await phase(b, life, trial, {
    name: 'recovery',
    kind: 'recovery',
    rate: recRate,
    durationS: preset.recoveryS,
  });
  const recoveryS = recoverySeconds(rec.stats.timeline ?? [], opts.sloP99Ms);
  b.progress.info(
    `[${life.name}] trial ${trial}: recovered after ${Number.isNaN(recoveryS) ? `> ${preset.recoveryS}` : recoveryS} s`,
  );
  delete over.stats.timeline;
  out.push({
    name: 'overload',
    kind: 'overload',
    rate: overRate,
    basis: `${Math.round(preset.overloadFactor * 100)}% of ${life.name}'s own capacity (${cap} req/s)`,
    record: over,
    recoveryS,
  });
  out.push({
    name: 'recovery',
    kind: 'recovery',
    rate: recRate,
    basis: `${Math.round(preset.recoveryFraction * 100)}% of ${life.name}'s own capacity, right after the overload`,
    record: rec,
  });
  return out;
}
