// A pipeline worker (node:worker_threads): runs processImage for the pool (pool.ts) off the main event loop.
// The exact luma pass is synchronous JS; here it holds only this thread, never the loop that serves HTTP, and the
// multi-MB raw decode lives and dies in this thread's small heap instead of the server's.

import { parentPort } from 'node:worker_threads';
import { ContractError } from '@rtip/contract';
import { processImage } from './process-image.js';
import type { FromWorker, RunMessage, ToWorker, WireError } from './protocol.js';
import { release } from './release.js';
import { configureSharp } from './settings.js';

const port = parentPort;
if (!port) throw new Error('pipeline/worker.js runs as a worker thread (pipeline/pool.ts starts it)');
configureSharp();

const running = new Map<number, AbortController>();

function toWire(err: unknown, aborted: boolean): WireError {
  if (err instanceof ContractError) {
    const cause = err.cause instanceof Error ? err.cause.message : undefined;
    return { kind: 'contract', code: err.code, detail: err.detail, ...(cause !== undefined && { cause }) };
  }
  if (aborted) return { kind: 'abort' };
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    kind: 'error',
    name: e.name,
    message: e.message,
    ...(e.stack !== undefined && { stack: e.stack }),
  };
}

async function run(m: RunMessage): Promise<void> {
  const controller = new AbortController();
  running.set(m.id, controller);
  const input = Buffer.from(m.buffer, m.byteOffset, m.byteLength);
  let reply: FromWorker;
  let output: Buffer | undefined;
  try {
    const image = await processImage(input, m.options, m.limits, controller.signal);
    output = image.data;
    reply = { id: m.id, ok: true, image };
  } catch (err) {
    reply = { id: m.id, ok: false, error: toWire(err, controller.signal.aborted) };
  } finally {
    running.delete(m.id);
    // The upload is this thread's own (transferred or copied to it) and sharp is done with it.
    release(input);
  }
  // sharp's output buffer is external memory, which cannot be transferred: the clone copies it (the encoded
  // image, ~0.1–0.3 MB; the multi-MB raw pixels never leave this thread), then it is freed here at once.
  port?.postMessage(reply);
  if (output) release(output);
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'abort') running.get(m.id)?.abort();
  else void run(m);
});
