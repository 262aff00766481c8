// The method as results.json and both reports state it.

import { ABOUT_EQUAL } from './report/comparisons.js';
import type { PhasePreset } from './scenario.js';

export function rules(
  p: Pick<PhasePreset, 'overloadFactor' | 'recoveryFraction' | 'confirmFailures'>,
  serverCpus: string,
): string[] {
  return [
    'Open-loop load: requests are sent on the arrival schedule whatever the answers; latency includes queueing.',
    'Closed-loop figures (the warm-up, CONCURRENCY + 1 requests in flight) are labelled as such and are not benchmark figures; the warm-up’s throughput only aims the capacity search.',
    'Failed, shed (503) and timed-out requests stay in every figure; requests the generator could not send are counted as dropped.',
    `Capacity: the highest whole arrival rate (req/s) whose step had no errors, no drops and p99 (all requests) within the SLO${p.confirmFailures ? '; a failing step is re-run once and fails only if it fails again' : ''}.`,
    'Fixed-rate phases: every target gets the same offered loads, fractions of the SLOWEST target’s capacity; these are the like-for-like comparisons.',
    `Overload: ${Math.round(p.overloadFactor * 100)}% of EACH target’s own capacity, so the offered loads differ there on purpose and no ratio between targets is given; figures are shed rate, accepted-request p99 and recovery time.`,
    `Recovery: right after the overload, load drops to ${Math.round(p.recoveryFraction * 100)}% of the target’s own capacity; recovery time is the start of the first one-second window from which all later windows are error-free with p99 within the SLO.`,
    `All targets run on the same CPUs (${serverCpus}), one at a time, with the same image, options and CONCURRENCY; the load generator runs on other CPUs.`,
    'Percentiles are nearest-rank over every request of the phase; across trials the report gives the median and min–max.',
    `Comparisons name the better target and by how much (more capacity; less time, CPU or memory). Two figures within ${Math.round((ABOUT_EQUAL - 1) * 100)}% of each other are called about equal.`,
  ];
}
