// POST /process: options, then content type and size, then the body, then admission and the pipeline.

import type { Readable } from 'node:stream';
import {
  ContractError,
  type ProcessOptions,
  parseOptions,
  REQUEST_ID_HEADER,
  sniffFormat,
} from '@rtip/contract';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import {
  type BodyKind,
  bodyKind,
  discardBody,
  imageFromBody,
  payloadTooLarge,
  readIncomingLimited,
  readLimited,
} from '../http/body.js';
import type { AppEnv } from '../http/env.js';
import { processImage } from '../pipeline/process-image.js';

const ms = (n: number) => n.toFixed(1);

export function processRoutes(deps: AppDeps): Hono<AppEnv> {
  const { config, metrics, admission } = deps;
  const limits = { maxInputPixels: config.maxInputPixels };
  const route = new Hono<AppEnv>();

  route.post('/process', async (c) => {
    c.set('bodyUnread', true);
    const incoming = (c.env as { incoming?: Readable } | undefined)?.incoming;
    let options: ProcessOptions;
    let kind: BodyKind;
    try {
      // Options first: a bad query is 400 whatever the body is.
      const parsed = parseOptions(new URL(c.req.url).searchParams);
      if (!parsed.ok) throw parsed.error;
      options = parsed.options;
      if (deps.lifecycle.draining) {
        throw new ContractError('OVERLOADED', 'The service is shutting down; retry on another instance.');
      }
      kind = bodyKind(c.req.header('content-type'));
      const declared = c.req.header('content-length');
      if (declared !== undefined && Number(declared) > config.maxUploadBytes) {
        throw payloadTooLarge(config.maxUploadBytes);
      }
    } catch (err) {
      // Refused before the body was read: swallow what the client still sends (up to the upload limit) so
      // it gets this answer instead of a reset connection. A declared oversized body is not waited for.
      if (incoming && !(err instanceof ContractError && err.code === 'PAYLOAD_TOO_LARGE')) {
        await discardBody(incoming, config.maxUploadBytes);
        c.set('bodyUnread', false);
      }
      throw err;
    }
    // Under @hono/node-server read the Node stream itself; elsewhere (app.request in tests) the web stream.
    const body = incoming
      ? await readIncomingLimited(incoming, config.maxUploadBytes)
      : await readLimited(c.req.raw.body, config.maxUploadBytes);
    c.set('bodyUnread', false);
    c.set('bytesIn', body.byteLength);

    const image = imageFromBody(body, kind);
    if (image.byteLength === 0) throw new ContractError('MISSING_IMAGE', 'The image is empty.');
    if (!sniffFormat(image)) {
      throw new ContractError('UNSUPPORTED_MEDIA_TYPE', 'The bytes are not a JPEG, PNG, WebP or GIF image.');
    }
    metrics.bytes.inc({ direction: 'in' }, image.byteLength);

    const result = await admission.run((signal) => processImage(image, options, limits, signal));
    const { decode, transform, encode } = result.timings;
    metrics.stageDuration.observe({ stage: 'decode' }, decode / 1000);
    metrics.stageDuration.observe({ stage: 'transform' }, transform / 1000);
    metrics.stageDuration.observe({ stage: 'encode' }, encode / 1000);
    metrics.bytes.inc({ direction: 'out' }, result.data.byteLength);

    // sharp's buffers are plain ArrayBuffer-backed; the cast only narrows the type Hono asks for.
    return c.body(result.data as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': result.contentType,
      'Content-Length': String(result.data.byteLength),
      [REQUEST_ID_HEADER]: c.get('requestId'),
      'X-Image-Width': String(result.width),
      'X-Image-Height': String(result.height),
      'Server-Timing': `decode;dur=${ms(decode)}, transform;dur=${ms(transform)}, encode;dur=${ms(encode)}`,
    });
  });

  return route;
}
