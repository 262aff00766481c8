import { describe, expect, it } from 'vitest';
import { Admission, type AdmissionSettings } from './admission.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** An Admission that records its changes. */
function watched(settings: AdmissionSettings) {
  const changes: Array<[number, number]> = [];
  const admission = new Admission(settings, {
    onChange: (running, waiting) => changes.push([running, waiting]),
  });
  return { admission, changes };
}

describe('Admission', () => {
  it('runs up to concurrency, queues up to queueDepth, refuses the rest with OVERLOADED', async () => {
    const admission = new Admission({ concurrency: 2, queueDepth: 1, timeoutMs: 10_000 });
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      admission.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await expect(admission.run(async () => 99)).rejects.toMatchObject({ code: 'OVERLOADED' });
    expect(started).toEqual([0, 1]);
    expect([admission.running, admission.waiting]).toEqual([2, 1]);
    gates[0]?.resolve();
    await expect(runs[0]).resolves.toBe(0);
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[1]?.resolve();
    gates[2]?.resolve();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2]);
    expect([admission.running, admission.waiting]).toEqual([0, 0]);
  });

  it('times out while queued, and the queued job never starts', async () => {
    const { admission } = watched({ concurrency: 1, queueDepth: 1, timeoutMs: 30 });
    const gate = deferred();
    const first = admission.run(() => gate.promise).catch((err: unknown) => err);
    let secondStarted = false;
    const second = admission.run(async () => {
      secondStarted = true;
    });
    await expect(second).rejects.toMatchObject({ code: 'PROCESSING_TIMEOUT' });
    expect(await first).toMatchObject({ code: 'PROCESSING_TIMEOUT' });
    const released = admission.idle();
    gate.resolve();
    await released; // the first job's slot is free again: a queued job that had not left would start now
    expect(secondStarted).toBe(false);
  });

  it('answers a running job at its deadline but holds the slot until the work really ends', async () => {
    const { admission, changes } = watched({ concurrency: 1, queueDepth: 0, timeoutMs: 20 });
    const gate = deferred();
    let aborted = false;
    const run = admission.run(async (signal) => {
      signal.addEventListener('abort', () => {
        aborted = true;
      });
      await gate.promise;
    });
    await expect(run).rejects.toMatchObject({ code: 'PROCESSING_TIMEOUT' });
    expect(aborted).toBe(true);
    expect(admission.running).toBe(1);
    await expect(admission.run(async () => 1)).rejects.toMatchObject({ code: 'OVERLOADED' });
    const released = admission.idle();
    gate.resolve();
    await released;
    expect(admission.running).toBe(0);
    expect(changes.at(-1)).toEqual([0, 0]);
  });

  it('passes a job failure through and frees the slot', async () => {
    const admission = new Admission({ concurrency: 1, queueDepth: 0, timeoutMs: 1000 });
    await expect(admission.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(admission.run(() => Promise.resolve(7))).resolves.toBe(7);
  });

  it('idle() resolves at once when empty, else when the last queued or running work has settled', async () => {
    const admission = new Admission({ concurrency: 1, queueDepth: 1, timeoutMs: 20 });
    await admission.idle();
    const gates = [deferred(), deferred()];
    const runs = gates.map((gate) => admission.run(() => gate.promise).catch((err: unknown) => err));
    let idle = false;
    const idled = admission.idle().then(() => {
      idle = true;
    });
    // Both are answered PROCESSING_TIMEOUT (the queued one leaves the queue); the running one keeps its slot.
    expect(await Promise.all(runs)).toMatchObject([
      { code: 'PROCESSING_TIMEOUT' },
      { code: 'PROCESSING_TIMEOUT' },
    ]);
    await Promise.resolve();
    expect([admission.running, admission.waiting, idle]).toEqual([1, 0, false]);
    gates[0]?.resolve();
    await idled;
    expect([admission.running, admission.waiting]).toEqual([0, 0]);
  });
});
