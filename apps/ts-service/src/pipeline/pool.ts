// The pipeline pool: CONCURRENCY worker threads (worker.ts) that run processImage off the event loop.
//
// The exact luma pass is synchronous JS (~2 ns a pixel): on the event loop it serialised every image in flight on
// one thread, so the service did not scale with cores as libvips does (issue 16). In a worker it runs beside the
// others, and the raw decode (6 MB for 2 MP) is allocated, read and freed in that worker's small heap: the server's
// heap only sees the upload and the answer, and its garbage collector no longer runs every few requests.
//
// The image goes to the worker without a copy when the caller owns its buffer (the ArrayBuffer is transferred
// and detached here); the answer comes back as a copy (sharp's output is external memory, which cannot be
// transferred). Workers start on demand (or all at once with `start()`), are unref'd while idle so they never
// keep a process alive, and a worker that dies is replaced: its jobs fail as 500 INTERNAL.

import { fileURLToPath } from 'node:url';
import * as threads from 'node:worker_threads';
import { ContractError, type ProcessOptions } from '@rtip/contract';
import type { PipelineLimits, ProcessedImage } from './process-image.js';
import type { FromWorker, RunMessage, WireError } from './protocol.js';

/** What the service needs from a pipeline: one image, on some thread. */
export interface Pipeline {
  /**
   * processImage's contract (errors, abort between steps, settles only once the sharp work has ended). With
   * `transfer`, `input`'s whole ArrayBuffer is the caller's to give away: it is moved to the worker and detached
   * here (unless it is Node's shared pool, which is copied). The answer's `data` is the caller's own memory (the
   * handler releases it once written).
   */
  process(
    input: Buffer,
    options: ProcessOptions,
    limits: PipelineLimits,
    signal?: AbortSignal,
    transfer?: boolean,
  ): Promise<ProcessedImage>;
}

/**
 * The worker script: the built worker.js next to this module. Under the test runner this module is the TypeScript
 * source (src/pipeline/pool.ts), which Node cannot start as a worker with its `.js` imports: the built one is used
 * (`pnpm test` builds first).
 */
export function workerScript(from: string = import.meta.url): URL {
  return from.endsWith('.ts') ? new URL('../../dist/pipeline/worker.js', from) : new URL('./worker.js', from);
}

interface Job {
  resolve: (image: ProcessedImage) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Slot {
  worker: threads.Worker;
  jobs: Map<number, Job>;
}

/**
 * Whether an ArrayBuffer may be moved to a worker: not Node's shared Buffer pool (marked untransferable). Where the
 * runtime cannot tell (isMarkedAsUntransferable is Node 21+; read from the namespace so that a runtime without it
 * still loads this module), nothing is moved and the image is copied.
 */
const canTransfer = (memory: ArrayBufferLike): boolean =>
  typeof threads.isMarkedAsUntransferable === 'function' && !threads.isMarkedAsUntransferable(memory);

function fromWire(error: WireError, signal: AbortSignal | undefined): unknown {
  switch (error.kind) {
    case 'contract':
      return new ContractError(
        error.code,
        error.detail,
        error.cause === undefined ? undefined : { cause: new Error(error.cause) },
      );
    case 'abort':
      // In-thread, processImage throws the signal's reason; so does the pool.
      return signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
    case 'error': {
      const err = new Error(error.message);
      err.name = error.name;
      if (error.stack !== undefined) err.stack = error.stack;
      return err;
    }
  }
}

export class PipelinePool implements Pipeline {
  readonly #script: URL;
  readonly #slots: Slot[] = [];
  #size: number;
  #nextId = 1;

  constructor(size: number, script: URL = workerScript()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be ≥ 1, got ${size}`);
    this.#size = size;
    this.#script = script;
  }

  /** The most workers this pool runs. */
  get size(): number {
    return this.#size;
  }

  /** Workers started (busy or idle). */
  get workers(): number {
    return this.#slots.length;
  }

  /** Allows up to `size` workers (never fewer than now). */
  grow(size: number): void {
    if (size > this.#size) this.#size = size;
  }

  /** Starts every worker now, so the first images do not wait for one to load; resolves once all are online. */
  async start(): Promise<void> {
    const starting: Array<Promise<unknown>> = [];
    while (this.#slots.length < this.#size) {
      const slot = this.#spawn();
      starting.push(
        new Promise((resolve) => {
          slot.worker.once('online', resolve);
          slot.worker.once('exit', resolve);
        }),
      );
    }
    await Promise.all(starting);
  }

  /** Stops every worker; their jobs fail. The pool stays usable (workers start again on demand). */
  async close(): Promise<void> {
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  process(
    input: Buffer,
    options: ProcessOptions,
    limits: PipelineLimits,
    signal?: AbortSignal,
    transfer = false,
  ): Promise<ProcessedImage> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const slot = this.#pick();
    const id = this.#nextId++;
    const own = transfer && canTransfer(input.buffer);
    const message: RunMessage = {
      type: 'run',
      id,
      buffer: own
        ? (input.buffer as ArrayBuffer)
        : (input.buffer.slice(input.byteOffset, input.byteOffset + input.byteLength) as ArrayBuffer),
      byteOffset: own ? input.byteOffset : 0,
      byteLength: input.byteLength,
      options,
      limits,
    };
    return new Promise<ProcessedImage>((resolve, reject) => {
      const onAbort = signal ? () => slot.worker.postMessage({ type: 'abort', id }) : undefined;
      if (signal && onAbort) signal.addEventListener('abort', onAbort, { once: true });
      slot.jobs.set(id, { resolve, reject, signal, onAbort });
      if (slot.jobs.size === 1) slot.worker.ref();
      slot.worker.postMessage(message, [message.buffer]);
    });
  }

  /** An idle worker, else a new one while under `size`, else the least busy. */
  #pick(): Slot {
    let best: Slot | undefined;
    for (const slot of this.#slots) {
      if (slot.jobs.size === 0) return slot;
      if (!best || slot.jobs.size < best.jobs.size) best = slot;
    }
    if (!best || this.#slots.length < this.#size) return this.#spawn();
    return best;
  }

  #spawn(): Slot {
    const worker = new threads.Worker(fileURLToPath(this.#script));
    const slot: Slot = { worker, jobs: new Map() };
    worker.unref();
    worker.on('message', (m: FromWorker) => {
      const job = slot.jobs.get(m.id);
      if (!job) return;
      this.#settle(slot, m.id, job);
      if (m.ok) {
        const { data } = m.image;
        job.resolve({ ...m.image, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
      } else {
        job.reject(fromWire(m.error, job.signal));
      }
    });
    const fail = (why: Error) => {
      const index = this.#slots.indexOf(slot);
      if (index >= 0) this.#slots.splice(index, 1);
      for (const [id, job] of slot.jobs) {
        this.#settle(slot, id, job);
        job.reject(new ContractError('INTERNAL', 'image worker failed', { cause: why }));
      }
    };
    worker.on('error', (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));
    worker.on('exit', (code) => fail(new Error(`image worker exited with code ${code}`)));
    this.#slots.push(slot);
    return slot;
  }

  #settle(slot: Slot, id: number, job: Job): void {
    slot.jobs.delete(id);
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    if (slot.jobs.size === 0) slot.worker.unref();
  }
}

let shared: PipelinePool | undefined;

/**
 * The process's pool, allowed at least `size` workers. One per process: apps built in one process (tests build
 * hundreds) share it, and workers start only when images overlap, so it holds at most the largest CONCURRENCY.
 */
export function sharedPipelinePool(size: number): PipelinePool {
  if (!shared) shared = new PipelinePool(size);
  else shared.grow(size);
  return shared;
}
