import { PassThrough } from 'node:stream';
import type { LingerOutcome } from '@rtip/contract';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics.js';
import { Linger } from './linger.js';

/** A Linger whose events land in fresh metrics, as createDeps wires them. */
function counted(settings: { timeoutMs: number; idleMs: number; max: number }) {
  const metrics = createMetrics({ processMetrics: false });
  const linger = new Linger(settings, {
    onChange: (active) => metrics.lingering.set(active),
    onClose: (outcome) => metrics.lingerCloses.inc({ outcome }),
  });
  const value = async (outcome: LingerOutcome) =>
    (await metrics.lingerCloses.get()).values.find((v) => v.labels.outcome === outcome)?.value;
  const active = async () => (await metrics.lingering.get()).values[0]?.value;
  return { linger, value, active };
}

describe('Linger', () => {
  it('drains to the end of the body, discarding it, and counts a drained close', async () => {
    const { linger, value, active } = counted({ timeoutMs: 5_000, idleMs: 1_000, max: 4 });
    const body = new PassThrough();
    const outcome = linger.drain(body);
    expect(linger.active).toBe(1);
    expect(await active()).toBe(1);
    for (let i = 0; i < 100; i++) body.write(Buffer.alloc(64 * 1024));
    body.end();
    expect(await outcome).toBe('drained');
    expect(linger.active).toBe(0);
    expect(await active()).toBe(0);
    expect(await value('drained')).toBe(1);
  });

  it('ends as drained when the client closes before the body ends', async () => {
    const { linger } = counted({ timeoutMs: 5_000, idleMs: 1_000, max: 4 });
    const body = new PassThrough();
    const outcome = linger.drain(body);
    body.write('partial');
    body.destroy(new Error('aborted')); // how an IncomingMessage reports a reset
    expect(await outcome).toBe('drained');
  });

  it('is drained at once for a body that already ended', async () => {
    const { linger } = counted({ timeoutMs: 5_000, idleMs: 1_000, max: 4 });
    const body = new PassThrough();
    body.end();
    body.resume();
    await new Promise((resolve) => body.once('end', resolve));
    expect(await linger.drain(body)).toBe('drained');
    expect(linger.active).toBe(0);
  });

  it('times out after idleMs without a byte', async () => {
    const { linger, value } = counted({ timeoutMs: 5_000, idleMs: 100, max: 4 });
    const body = new PassThrough();
    const started = performance.now();
    const outcome = linger.drain(body);
    body.write('one chunk, then silence');
    expect(await outcome).toBe('timed_out');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1_000);
    expect(await value('timed_out')).toBe(1);
    expect(linger.active).toBe(0);
  });

  it('times out after timeoutMs even while bytes keep coming', async () => {
    const { linger } = counted({ timeoutMs: 300, idleMs: 100, max: 4 });
    const body = new PassThrough();
    // A trickle well inside the idle bound: only the total bound can end it.
    const trickle = setInterval(() => body.write('x'), 20);
    const started = performance.now();
    try {
      expect(await linger.drain(body)).toBe('timed_out');
    } finally {
      clearInterval(trickle);
    }
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('beyond max lingering connections answers capped at once and reads nothing', async () => {
    const { linger, value } = counted({ timeoutMs: 5_000, idleMs: 5_000, max: 1 });
    const first = new PassThrough();
    const lingering = linger.drain(first);
    const second = new PassThrough();
    second.write('unread');
    expect(await linger.drain(second)).toBe('capped');
    expect(second.readableLength).toBeGreaterThan(0);
    expect(linger.active).toBe(1);
    expect(await value('capped')).toBe(1);
    first.end();
    expect(await lingering).toBe('drained');
    // The place came back.
    const third = new PassThrough();
    const again = linger.drain(third);
    expect(linger.active).toBe(1);
    third.end();
    expect(await again).toBe('drained');
  });

  it('with MAX_LINGERING=0 never lingers', async () => {
    const { linger } = counted({ timeoutMs: 5_000, idleMs: 5_000, max: 0 });
    expect(await linger.drain(new PassThrough())).toBe('capped');
    expect(linger.active).toBe(0);
  });
});
