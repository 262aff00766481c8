// POST /process through app.request(): the order of the checks before the body, the upload budget, the upload
// deadline and Content-Disposition (contract README, "Edge policy").

import type { Problem } from '@rtip/contract';
import { until } from '@rtip/testkit';
import { describe, expect, it } from 'vitest';
import { Admission } from '../admission/admission.js';
import type { Pipeline } from '../pipeline/pool.js';
import { fixture, testApp } from '../test/helpers.js';
import type { WebBindings } from './server.js';

/** A body stream that counts its pulls and sends `chunks` chunks of `size` bytes (then ends, or stalls). */
function counted(size: number, chunks: number, then: 'end' | 'stall' = 'end') {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled++;
      if (state.pulled <= chunks) controller.enqueue(new Uint8Array(size));
      else if (then === 'end') controller.close();
      else return new Promise<void>(() => undefined); // never another byte
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

const post = (query: string, body: RequestInit['body'], headers: Record<string, string>) =>
  new Request(`http://localhost/process${query}`, {
    method: 'POST',
    body,
    headers,
    duplex: 'half',
  } as RequestInit);

const problem = async (res: Response) => (await res.json()) as Problem;

describe('POST /process: the checks before the body, in the contract order', () => {
  it.each([
    ['options before the content type', '?width=0', { 'Content-Type': 'text/plain' }, 'INVALID_OPTION'],
    [
      'the content type before the declared length',
      '',
      { 'Content-Type': 'text/plain', 'Content-Length': '5000' },
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'the multipart boundary before the declared length',
      '',
      { 'Content-Type': 'multipart/form-data', 'Content-Length': '5000' },
      'INVALID_REQUEST',
    ],
    [
      'the declared length before draining and the budget',
      '',
      { 'Content-Type': 'image/jpeg', 'Content-Length': '5000' },
      'PAYLOAD_TOO_LARGE',
    ],
  ] as const)('%s', async (_name, query, headers, code) => {
    // Draining, and a budget with no byte left: checks further down that would refuse too.
    const { app, deps } = testApp({ MAX_UPLOAD_BYTES: '1000', MAX_INFLIGHT_UPLOAD_BYTES: '1000' });
    deps.lifecycle.draining = true;
    deps.uploadBudget.reserve(1000);
    const { stream, state } = counted(500, 10);
    const res = await app.request(post(query, stream, headers));
    expect((await problem(res)).code).toBe(code);
    expect(state.pulled).toBeLessThanOrEqual(1);
  });

  it('draining before the budget: 503 OVERLOADED, shed as draining', async () => {
    const { app, deps } = testApp({ MAX_UPLOAD_BYTES: '1000', MAX_INFLIGHT_UPLOAD_BYTES: '1000' });
    deps.lifecycle.draining = true;
    deps.uploadBudget.reserve(1000);
    const res = await app.request(
      post('', counted(500, 1).stream, { 'Content-Type': 'image/jpeg', 'Content-Length': '500' }),
    );
    expect(res.status).toBe(503);
    expect((await problem(res)).detail).toContain('shutting down');
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toContain('image_shed_total{reason="draining"} 1');
    expect(metrics).toContain('image_shed_total{reason="upload_budget"} 0');
  });
});

describe('POST /process: the upload budget', () => {
  const env = { MAX_UPLOAD_BYTES: '1000', MAX_INFLIGHT_UPLOAD_BYTES: '1500' };

  it('a declared length that does not fit is 503 OVERLOADED with Retry-After: 1, before any byte is read', async () => {
    const image = fixture('photo-small.jpg');
    const n = image.length;
    const { app, deps } = testApp({
      MAX_UPLOAD_BYTES: String(n),
      MAX_INFLIGHT_UPLOAD_BYTES: String(2 * n - 1),
    });
    const held = deps.uploadBudget.reserve(n); // n - 1 bytes left
    const { stream, state } = counted(100, 10);
    const res = await app.request(
      post('', stream, { 'Content-Type': 'image/jpeg', 'Content-Length': String(n) }),
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await problem(res)).toMatchObject({
      code: 'OVERLOADED',
      detail: 'The upload memory budget is in use; retry after 1 second.',
    });
    expect(state.pulled).toBeLessThanOrEqual(1);
    expect(deps.uploadBudget.reserved).toBe(n);
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toContain('image_shed_total{reason="upload_budget"} 1');
    expect(metrics).toContain('image_rejected_total{code="OVERLOADED"} 1');
    // Once the other body's answer is written, the same request fits.
    held?.release();
    const ok = await app.request(
      post('', new Uint8Array(image), { 'Content-Type': 'image/jpeg', 'Content-Length': String(n) }),
    );
    expect(ok.status).toBe(200);
    expect(deps.uploadBudget.reserved).toBe(0);
  });

  it('a body without a length reserves as it arrives: growth that does not fit is 503 mid-stream', async () => {
    const { app, deps } = testApp(env);
    deps.uploadBudget.reserve(1000); // 500 bytes left
    const { stream, state } = counted(200, 100);
    const res = await app.request(post('', stream, { 'Content-Type': 'image/jpeg' }));
    expect(res.status).toBe(503);
    expect((await problem(res)).detail).toBe('The upload memory budget is in use; retry after 1 second.');
    expect(state.pulled).toBeLessThan(10);
    expect(state.cancelled).toBe(true);
    expect(deps.uploadBudget.reserved).toBe(1000); // the 400 bytes it held are back
  });

  it('over MAX_UPLOAD_BYTES and over the budget in the same chunk: 413, the permanent refusal', async () => {
    const { app, deps } = testApp(env);
    deps.uploadBudget.reserve(1000);
    const res = await app.request(post('', counted(1200, 1).stream, { 'Content-Type': 'image/jpeg' }));
    expect(res.status).toBe(413);
  });

  it('a body holds its reservation while it is read, queued and processed, and gives it back with its answer', async () => {
    const image = fixture('photo-small.jpg');
    const admission = new Admission({ concurrency: 1, queueDepth: 1, timeoutMs: 10_000 });
    const { app, deps } = testApp({}, { admission });
    let release!: () => void;
    const blocker = admission.run(() => new Promise<void>((r) => (release = r)));

    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
    });
    const answer = app.request(
      post('', stream, { 'Content-Type': 'image/jpeg', 'Content-Length': String(image.length) }),
    );
    controller.enqueue(new Uint8Array(image.subarray(0, 100)));
    const gauge = async (name: string) =>
      Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(await (await app.request('/metrics')).text())?.[1]);
    await until(async () => (await gauge('image_uploading')) === 1);
    expect(await gauge('image_upload_reserved_bytes')).toBe(image.length);
    controller.enqueue(new Uint8Array(image.subarray(100)));
    controller.close();
    await until(() => admission.waiting === 1);
    expect(await gauge('image_uploading')).toBe(0);
    expect(deps.uploadBudget.reserved).toBe(image.length);
    release();
    await blocker;
    expect((await answer).status).toBe(200);
    expect(deps.uploadBudget.reserved).toBe(0);
    expect(await gauge('image_upload_reserved_bytes')).toBe(0);
  });

  it('every refusal after the reservation gives it back', async () => {
    const { app, deps } = testApp();
    for (const [body, type] of [
      [fixture('not-an-image.jpg'), 'image/jpeg'],
      [fixture('truncated.jpg'), 'image/jpeg'],
      [Buffer.alloc(0), 'image/jpeg'],
    ] as const) {
      const res = await app.request(
        post('', new Uint8Array(body), { 'Content-Type': type, 'Content-Length': String(body.length) }),
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(deps.uploadBudget.reserved).toBe(0);
    }
  });
});

describe('POST /process: the upload deadline', () => {
  it('a body not complete within UPLOAD_TIMEOUT_MS is 408 UPLOAD_TIMEOUT; the read is cancelled', async () => {
    const { app, deps } = testApp({ UPLOAD_TIMEOUT_MS: '200' });
    const { stream, state } = counted(100, 1, 'stall');
    const started = performance.now();
    const res = await app.request(
      post('', stream, { 'Content-Type': 'image/jpeg', 'Content-Length': '5000' }),
    );
    const elapsed = performance.now() - started;
    expect(res.status).toBe(408);
    expect(await problem(res)).toMatchObject({
      code: 'UPLOAD_TIMEOUT',
      title: 'Upload timeout',
      detail: 'The request body did not arrive within 200 ms.',
    });
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(2_000);
    expect(state.cancelled).toBe(true);
    expect(deps.uploadBudget.reserved).toBe(0);
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toContain('http_requests_total{route="/process",method="POST",status="408"} 1');
    expect(metrics).toContain('image_rejected_total{code="UPLOAD_TIMEOUT"} 1');
    expect(metrics).toContain('image_uploading 0');
  });
});

describe('POST /process: Content-Disposition (the contract rule)', () => {
  const B = 'b0undary';
  const multipart = (disposition: Buffer | string, content: Buffer) =>
    Buffer.concat([
      Buffer.from(`--${B}\r\nContent-Disposition: `),
      Buffer.isBuffer(disposition) ? disposition : Buffer.from(disposition),
      Buffer.from('\r\nContent-Type: image/jpeg\r\n\r\n'),
      content,
      Buffer.from(`\r\n--${B}--\r\n`),
    ]);
  const send = (body: Buffer) =>
    testApp().app.request(
      post('', new Uint8Array(body), { 'Content-Type': `multipart/form-data; boundary=${B}` }),
    );
  const image = fixture('photo-small.jpg');

  it('a file name with an unescaped quote is 400 INVALID_REQUEST', async () => {
    const res = await send(multipart('form-data; name="image"; filename="a"b.jpg"', image));
    expect(res.status).toBe(400);
    expect(await problem(res)).toMatchObject({
      code: 'INVALID_REQUEST',
      detail: 'Malformed multipart body: malformed Content-Disposition.',
    });
  });

  it('a file name in raw UTF-8 (as browsers send it) is accepted', async () => {
    const disposition = Buffer.concat([
      Buffer.from('form-data; name="image"; filename="'),
      Buffer.from('café 写真.jpg', 'utf8'),
      Buffer.from('"'),
    ]);
    const res = await send(multipart(disposition, image));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
  });

  it('an attachment part named image is not the image', async () => {
    const res = await send(multipart('attachment; name="image"', image));
    expect((await problem(res)).code).toBe('MISSING_IMAGE');
  });
});

describe('POST /process on a web server (Bun, Deno): the request’s memory', () => {
  /** A pipeline that answers `answer` and keeps what it was given. */
  function fakePipeline(answer: Buffer) {
    const seen: { input?: Buffer; transfer?: boolean } = {};
    const pipeline: Pipeline = {
      process: async (input, _options, _limits, _signal, transfer) => {
        seen.input = input;
        seen.transfer = transfer;
        return {
          data: answer,
          contentType: 'image/jpeg',
          width: 1,
          height: 1,
          channels: 1,
          timings: { decode: 0, transform: 0, encode: 0 },
        };
      },
    };
    return { pipeline, seen };
  }

  it('the body’s chunks are freed once joined, and the joined body is moved to the pipeline', async () => {
    const image = fixture('photo-small.jpg');
    const chunks = [new Uint8Array(image.subarray(0, 1000)), new Uint8Array(image.subarray(1000))];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const { pipeline, seen } = fakePipeline(Buffer.from('answer'));
    const { app } = testApp({}, { pipeline });
    const res = await app.request(post('', stream, { 'Content-Type': 'image/jpeg' }));
    expect(res.status).toBe(200);
    expect(chunks.map((c) => c.byteLength)).toEqual([0, 0]);
    expect(seen.transfer).toBe(true);
    expect(seen.input?.equals(image)).toBe(true);
  });

  it('the answer’s memory is freed once the server says it is sent, not before', async () => {
    const answer = Buffer.from(new Uint8Array(64 * 1024).fill(7));
    const { pipeline } = fakePipeline(answer);
    const { app } = testApp({}, { pipeline });
    let sent!: () => void;
    const env: WebBindings = {
      incoming: { url: '/process' },
      peer: undefined,
      sent: new Promise<void>((resolve) => (sent = resolve)),
    };
    const res = await app.request(
      post('', fixture('photo-small.jpg'), { 'Content-Type': 'image/jpeg' }),
      undefined,
      env,
    );
    expect((await res.arrayBuffer()).byteLength).toBe(64 * 1024);
    expect(answer.byteLength).toBe(64 * 1024);
    sent();
    await until(() => answer.byteLength === 0);
  });
});
