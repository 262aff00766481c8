// Admission control: at most `concurrency` jobs running, `queueDepth` waiting, a deadline for both.
//
// A job that misses its deadline is answered at once (PROCESSING_TIMEOUT) and its signal is aborted, but its
// slot is released only when the job's promise really settles: sharp work already handed to libvips cannot be
// cancelled, and releasing early would let more images decode at once than CONCURRENCY allows.

import { ContractError, type ShedReason } from '@rtip/contract';

/** A 503 OVERLOADED refusal and why the request was shed (counted in image_shed_total{reason}). */
export class Overloaded extends ContractError {
  readonly reason: ShedReason;

  constructor(reason: ShedReason, detail: string) {
    super('OVERLOADED', detail);
    this.reason = reason;
  }
}

export interface AdmissionSettings {
  concurrency: number;
  queueDepth: number;
  timeoutMs: number;
}

export interface AdmissionEvents {
  /** Called whenever the number of running or waiting jobs changes. */
  onChange?: (running: number, waiting: number) => void;
}

interface Waiter {
  start: () => void;
}

export class Admission {
  readonly settings: AdmissionSettings;
  #running = 0;
  readonly #queue: Waiter[] = [];
  readonly #events: AdmissionEvents;
  /** Callers of idle() waiting for nothing to run or wait. */
  readonly #idle: Array<() => void> = [];

  constructor(settings: AdmissionSettings, events: AdmissionEvents = {}) {
    this.settings = settings;
    this.#events = events;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Resolves once no job runs or waits: at once if that is so now, else at the next change that leaves the
   * admission empty. A job counts until its work really settles (see `run`), so this waits for sharp too.
   */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Runs `job` when a slot is free. Rejects with OVERLOADED when the queue is full and with
   * PROCESSING_TIMEOUT when the deadline (counted from this call) passes while waiting or running.
   */
  run<T>(job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { concurrency, queueDepth, timeoutMs } = this.settings;
    if (this.#running >= concurrency && this.#queue.length >= queueDepth) {
      return Promise.reject(new Overloaded('queue_full', 'The server is busy; retry later.'));
    }
    return new Promise<T>((resolve, reject) => {
      const controller = new AbortController();
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const waiter: Waiter = {
        start: () => {
          this.#running++;
          this.#changed();
          let work: Promise<T>;
          try {
            work = job(controller.signal);
          } catch (err) {
            work = Promise.reject(err);
          }
          work.then(
            (value) => finish(() => resolve(value)),
            (err: unknown) => finish(() => reject(err)),
          );
          // The slot follows the work, not the answer.
          void work.catch(() => undefined).finally(() => this.#release());
        },
      };
      const timer = setTimeout(() => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) {
          this.#queue.splice(index, 1);
          this.#changed();
        }
        controller.abort();
        finish(() =>
          reject(new ContractError('PROCESSING_TIMEOUT', `Processing took longer than ${timeoutMs} ms.`)),
        );
      }, timeoutMs);

      if (this.#running < concurrency) waiter.start();
      else {
        this.#queue.push(waiter);
        this.#changed();
      }
    });
  }

  #release(): void {
    this.#running--;
    const next = this.#queue.shift();
    if (next) next.start();
    else this.#changed();
  }

  #changed(): void {
    this.#events.onChange?.(this.#running, this.#queue.length);
    if (this.#running === 0 && this.#queue.length === 0) for (const wake of this.#idle.splice(0)) wake();
  }
}
