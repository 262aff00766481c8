// Lingering close (contract README, "Early answers"). After an answer sent before the request body was read to its
// end, the client is still sending. Closing the socket with unread bytes makes the kernel send a reset, which can
// destroy the answer before the client has read it. So the connection keeps reading and discarding the rest of the
// body, within a total and an idle bound, and closes only then: with nothing left unread the close is a FIN.
// nginx calls this lingering_time / lingering_timeout.

import type { Readable } from 'node:stream';
import type { LingerOutcome } from '@rtip/contract';

export interface LingerSettings {
  /** The whole linger (LINGER_TIMEOUT_MS). */
  timeoutMs: number;
  /** Without a body byte (LINGER_IDLE_MS). */
  idleMs: number;
  /** Connections lingering at once (MAX_LINGERING). */
  max: number;
}

export interface LingerEvents {
  /** Called whenever the number of lingering connections changes. */
  onChange?: (active: number) => void;
  /** Called once per lingering close, with how it ended. */
  onClose?: (outcome: LingerOutcome) => void;
}

const ignore = () => undefined;

export class Linger {
  readonly settings: LingerSettings;
  readonly #events: LingerEvents;
  #active = 0;

  constructor(settings: LingerSettings, events: LingerEvents = {}) {
    this.settings = settings;
    this.#events = events;
  }

  get active(): number {
    return this.#active;
  }

  /**
   * Reads and drops the rest of `body` until it ends or the client closes (`drained`) or a bound passes
   * (`timed_out`); with `max` connections already lingering it reads nothing (`capped`). Resolves with the outcome
   * when the connection may be closed; never rejects. Nothing read is kept.
   */
  drain(body: Readable): Promise<LingerOutcome> {
    if (this.#active >= this.settings.max) {
      this.#events.onClose?.('capped');
      return Promise.resolve('capped');
    }
    this.#active++;
    this.#events.onChange?.(this.#active);
    return new Promise<LingerOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: LingerOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        clearTimeout(total);
        body.off('data', onData);
        body.off('end', onEnd);
        body.off('close', onEnd);
        this.#active--;
        this.#events.onChange?.(this.#active);
        this.#events.onClose?.(outcome);
        resolve(outcome);
      };
      const idle = setTimeout(() => finish('timed_out'), this.settings.idleMs);
      const total = setTimeout(() => finish('timed_out'), this.settings.timeoutMs);
      // Each chunk restarts the idle bound; refresh() reuses the timer instead of making one per chunk.
      const onData = () => idle.refresh();
      // 'end': the body is complete. 'close' first: the client closed or reset its side. Nothing more comes.
      const onEnd = () => finish('drained');
      body.on('data', onData);
      body.once('end', onEnd);
      body.once('close', onEnd);
      // A reset surfaces as 'error' before 'close'; it is the client's way to end, not a failure here.
      body.on('error', ignore);
      if (body.readableEnded || body.destroyed) finish('drained');
      else body.resume();
    });
  }
}
