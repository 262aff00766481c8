// POST /process, its checks in the contract's order ("Edge policy"): options, content type, declared size, draining
// and the upload budget before the body (a refusal then is an early answer, see handlers/early-answer.ts), then the body
// within its deadline, then the parts and the bytes, then admission and the pipeline.

import {
  ContractError,
  type ProcessOptions,
  parseOptions,
  REQUEST_ID_HEADER,
  sniffFormat,
} from '@rtip/contract';
import { Hono } from 'hono';
import { Overloaded } from '../admission/admission.js';
import type { AppDeps } from '../deps.js';
import { ownsItsMemory, release } from '../pipeline/release.js';
import {
  type BodyLimits,
  bodyKind,
  imageFromBody,
  payloadTooLarge,
  readIncomingLimited,
  readLimited,
} from './body.js';
import { type NodeBindings, sendContinue } from './early-answer.js';
import type { AppEnv } from './env.js';
import type { WebBindings } from './server.js';

const ms = (n: number) => n.toFixed(1);

const budgetInUse = () =>
  new Overloaded('upload_budget', 'The upload memory budget is in use; retry after 1 second.');

/** A declared Content-Length (Node's parser has checked its syntax; app.request in tests has not). */
const declaredLength = (value: string | undefined): number | undefined =>
  value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : undefined;

export function processRoutes(deps: AppDeps): Hono<AppEnv> {
  const { config, metrics, admission, uploadBudget, pipeline } = deps;
  const limits = { maxInputPixels: config.maxInputPixels };
  const route = new Hono<AppEnv>();

  route.post('/process', async (c) => {
    const node = c.env as Partial<NodeBindings> | undefined;
    const web = c.env as Partial<WebBindings> | undefined;
    // Options first: a bad query is 400 whatever the body is.
    const parsed = parseOptions(new URL(c.req.url).searchParams);
    if (!parsed.ok) throw parsed.error;
    const options: ProcessOptions = parsed.options;
    const kind = bodyKind(c.req.header('content-type'));
    const declared = declaredLength(c.req.header('content-length'));
    if (declared !== undefined && declared > config.maxUploadBytes) {
      throw payloadTooLarge(config.maxUploadBytes);
    }
    if (deps.lifecycle.draining) {
      throw new Overloaded('draining', 'The service is shutting down; retry on another instance.');
    }
    // The upload budget: the declared length now, a body without one as its bytes arrive.
    const reservation = uploadBudget.reserve(declared ?? 0);
    if (!reservation) throw budgetInUse();
    // Given back once the answer is written: when this handler ends, or before if the client goes away.
    node?.outgoing?.once('close', () => reservation.release());
    try {
      const bodyLimits: BodyLimits = {
        maxBytes: config.maxUploadBytes,
        timeoutMs: config.uploadTimeoutMs,
        onChunk:
          declared === undefined
            ? (bytes) => {
                if (!reservation.grow(bytes)) throw budgetInUse();
              }
            : undefined,
      };
      let body: Buffer;
      // Whether the body's memory is this request's own, to be handed to the pipeline's worker without a copy.
      let owned = false;
      metrics.uploading.inc();
      try {
        // Under @hono/node-server read the Node stream itself; elsewhere (app.request in tests) the web stream.
        if (node?.incoming && node.outgoing) {
          sendContinue(node.incoming, node.outgoing);
          body = await readIncomingLimited(node.incoming, bodyLimits);
          owned = true;
        } else {
          body = await readLimited(c.req.raw.body, bodyLimits);
          owned = ownsItsMemory(body);
        }
      } finally {
        metrics.uploading.dec();
      }
      c.set('bytesIn', body.byteLength);

      const image = imageFromBody(body, kind);
      if (image.byteLength === 0) throw new ContractError('MISSING_IMAGE', 'The image is empty.');
      if (!sniffFormat(image)) {
        throw new ContractError(
          'UNSUPPORTED_MEDIA_TYPE',
          'The bytes are not a JPEG, PNG, WebP or GIF image.',
        );
      }
      metrics.bytes.inc({ direction: 'in' }, image.byteLength);

      // The body is not read after this: its buffer moves to the worker (detached here) when it is ours.
      const result = await admission.run((signal) => pipeline.process(image, options, limits, signal, owned));
      const { decode, transform, encode } = result.timings;
      metrics.stageDuration.observe({ stage: 'decode' }, decode / 1000);
      metrics.stageDuration.observe({ stage: 'transform' }, transform / 1000);
      metrics.stageDuration.observe({ stage: 'encode' }, encode / 1000);
      metrics.bytes.inc({ direction: 'out' }, result.data.byteLength);
      // The answer is the pool's copy, this request's own: freed once the runtime is done with it (Node: the
      // response's 'finish'; Deno: the exchange's completion). Bun does not say when: its collector frees it.
      const free = () => release(result.data);
      node?.outgoing?.once('finish', free);
      web?.sent?.then(free, free);

      // sharp's buffers are plain ArrayBuffer-backed; the cast only narrows the type Hono asks for.
      return c.body(result.data as Uint8Array<ArrayBuffer>, 200, {
        'Content-Type': result.contentType,
        'Content-Length': String(result.data.byteLength),
        [REQUEST_ID_HEADER]: c.get('requestId'),
        'X-Image-Width': String(result.width),
        'X-Image-Height': String(result.height),
        'Server-Timing': `decode;dur=${ms(decode)}, transform;dur=${ms(transform)}, encode;dur=${ms(encode)}`,
      });
    } finally {
      reservation.release();
    }
  });

  return route;
}
