// The upload budget (MAX_INFLIGHT_UPLOAD_BYTES; contract README, "Edge policy"): the bytes of request bodies held at
// once, being read, queued or processed. A body reserves its declared Content-Length before it is read, or, when
// chunked, grows its reservation as its bytes arrive; what does not fit is refused at once (503 OVERLOADED), never
// waited for, so an accepted upload is never cut for memory half-way.

export interface UploadBudgetEvents {
  /** Called whenever the number of reserved bytes changes. */
  onChange?: (reserved: number) => void;
}

export class UploadBudget {
  /** The budget's size in bytes. */
  readonly limit: number;
  readonly #events: UploadBudgetEvents;
  #reserved = 0;

  constructor(limit: number, events: UploadBudgetEvents = {}) {
    this.limit = limit;
    this.#events = events;
  }

  /** Bytes reserved now. */
  get reserved(): number {
    return this.#reserved;
  }

  /** Reserves `bytes` without waiting; undefined when they do not fit. */
  reserve(bytes: number): Reservation | undefined {
    if (!this.#take(bytes)) return undefined;
    return new Reservation(bytes, {
      take: (more) => this.#take(more),
      give: (held) => this.#add(-held),
    });
  }

  /** Adds `bytes` to the reserved bytes if they stay within the limit. */
  #take(bytes: number): boolean {
    if (!(bytes >= 0) || bytes > this.limit - this.#reserved) return false;
    this.#add(bytes);
    return true;
  }

  #add(bytes: number): void {
    if (bytes === 0) return;
    this.#reserved += bytes;
    this.#events.onChange?.(this.#reserved);
  }
}

interface BudgetAccess {
  take: (bytes: number) => boolean;
  give: (bytes: number) => void;
}

/** The part of the budget one body holds. Release it when its answer is written; later calls do nothing. */
export class Reservation {
  readonly #budget: BudgetAccess;
  #bytes: number;
  #released = false;

  /** Made by UploadBudget.reserve, with access to its budget. */
  constructor(bytes: number, budget: BudgetAccess) {
    this.#bytes = bytes;
    this.#budget = budget;
  }

  /** The size of the reservation (0 once released). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds `bytes` without waiting; false (and the reservation unchanged) when they do not fit. */
  grow(bytes: number): boolean {
    if (this.#released || !this.#budget.take(bytes)) return false;
    this.#bytes += bytes;
    return true;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#budget.give(this.#bytes);
    this.#bytes = 0;
  }
}
