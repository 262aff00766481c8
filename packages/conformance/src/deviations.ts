// The documented deviations (contract README, "Deviations"; @rtip/contract's DEVIATIONS) as the suite uses them:
// where one applies to a target, a test asserts the behaviour written there instead of the contract's, and names
// the deviation's id, so that a runtime upgrade that changes the behaviour fails the test, and so does a deviation
// taken off the list while the behaviour stays.

import { type Deviation, deviationsOf, type Implementation } from '@rtip/contract';

/** Per target, the id of the documented deviation that applies to a case; a target not named gets the contract. */
export type Deviating = Partial<Record<Implementation, string>>;

/**
 * The deviation `id` of `target`, which must be on the list: when it is not (taken off, or never added), the test
 * fails here and says so, instead of asserting a behaviour nobody documented.
 */
export function documented(target: string, id: string): Deviation {
  const deviation = deviationsOf(target).get(id);
  if (!deviation) {
    throw new Error(
      `${target}: the suite asserts deviation "${id}", which packages/contract/src/deviations.ts does not list for ${target}: add it there, or assert the contract's behaviour again`,
    );
  }
  return deviation;
}

/** The deviation of `deviating` that applies to `target`, looked up (and required) on the list; else undefined. */
export function deviationFor(
  target: Implementation,
  deviating: Deviating | undefined,
): Deviation | undefined {
  const id = deviating?.[target];
  return id === undefined ? undefined : documented(target, id);
}

/** A test name's suffix naming the deviations asserted for the targets run, e.g. " [ts-bun: bun-parser-400]". */
export function naming(targets: readonly Implementation[], ...deviating: (Deviating | undefined)[]): string {
  const named = targets.flatMap((target) => {
    const ids = [...new Set(deviating.map((d) => d?.[target]).filter((id) => id !== undefined))];
    return ids.length > 0 ? [`${target}: ${ids.join(', ')}`] : [];
  });
  return named.length > 0 ? ` [${named.join('; ')}]` : '';
}

/** A failure message naming the deviation asserted and what it says happens. */
export const says = (target: string, deviation: Deviation) =>
  `${target}, deviation ${deviation.id} (${deviation.instead})`;

/**
 * bun-early-answer: when, in ms after its answer, Bun may end a connection the service lingers on with
 * LINGER_IDLE_MS = `idleMs`: no sooner than that, at most 8 s later (Bun's timers fire on a sweep every 4 s), with
 * 200 ms on either side for the client's own timing.
 */
export const bunLingerWindow = (idleMs: number) => ({ earliest: idleMs - 200, latest: idleMs + 8_200 });
