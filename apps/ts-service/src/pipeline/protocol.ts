// The messages between the pipeline pool (pool.ts, on the event loop) and its workers (worker.ts).

import type { ErrorCode, ProcessOptions } from '@rtip/contract';
import type { PipelineLimits, ProcessedImage } from './process-image.js';

export interface RunMessage {
  type: 'run';
  id: number;
  /** The image: a view of `buffer` (transferred when the caller owns it, else a copy). */
  buffer: ArrayBuffer;
  byteOffset: number;
  byteLength: number;
  options: ProcessOptions;
  limits: PipelineLimits;
}

export interface AbortMessage {
  type: 'abort';
  id: number;
}

export type ToWorker = RunMessage | AbortMessage;

/** A failure as it crosses the thread boundary (classes and causes do not survive a structured clone). */
export type WireError =
  | { kind: 'contract'; code: ErrorCode; detail: string; cause?: string }
  | { kind: 'abort' }
  | { kind: 'error'; name: string; message: string; stack?: string };

export type FromWorker =
  | { id: number; ok: true; image: Omit<ProcessedImage, 'data'> & { data: Uint8Array } }
  | { id: number; ok: false; error: WireError };
