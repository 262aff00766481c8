import { describe, expect, it } from 'vitest';
import { UploadBudget } from './upload-budget.js';

/** A budget that records every change of its reserved bytes, as createDeps wires it to the gauge. */
function watched(limit: number) {
  const changes: number[] = [];
  const budget = new UploadBudget(limit, { onChange: (reserved) => changes.push(reserved) });
  return { budget, changes };
}

describe('UploadBudget', () => {
  it('reserves what fits, refuses what does not, without waiting, and takes nothing on a refusal', () => {
    const { budget, changes } = watched(1000);
    const a = budget.reserve(600);
    expect(a?.bytes).toBe(600);
    expect(budget.reserve(401)).toBeUndefined();
    expect(budget.reserved).toBe(600);
    const b = budget.reserve(400); // exactly the rest
    expect(b?.bytes).toBe(400);
    expect(budget.reserved).toBe(1000);
    expect(budget.reserve(1)).toBeUndefined();
    expect(changes).toEqual([600, 1000]);
  });

  it('a reservation of 0 always fits (a chunked body before its first byte)', () => {
    const { budget } = watched(10);
    budget.reserve(10);
    expect(budget.reserve(0)?.bytes).toBe(0);
  });

  it('grows a reservation while it fits; a failed growth leaves it unchanged', () => {
    const { budget } = watched(1000);
    const other = budget.reserve(300);
    const r = budget.reserve(0);
    expect(r?.grow(500)).toBe(true);
    expect(r?.bytes).toBe(500);
    expect(r?.grow(201)).toBe(false);
    expect(r?.bytes).toBe(500);
    expect(budget.reserved).toBe(800);
    other?.release();
    expect(r?.grow(201)).toBe(true);
    expect(budget.reserved).toBe(701);
  });

  it('release gives everything back once; later calls and growth do nothing', () => {
    const { budget, changes } = watched(1000);
    const r = budget.reserve(100);
    r?.grow(50);
    r?.release();
    expect(budget.reserved).toBe(0);
    expect(r?.bytes).toBe(0);
    r?.release();
    expect(r?.grow(10)).toBe(false);
    expect(budget.reserved).toBe(0);
    expect(changes).toEqual([100, 150, 0]);
  });

  it('refuses negative and non-numeric sizes', () => {
    const { budget } = watched(1000);
    expect(budget.reserve(-1)).toBeUndefined();
    expect(budget.reserve(Number.NaN)).toBeUndefined();
    expect(budget.reserve(0)?.grow(-5)).toBe(false);
    expect(budget.reserved).toBe(0);
  });
});
