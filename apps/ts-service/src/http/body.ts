// Reading the image out of a POST /process request: content type, size limit while streaming, multipart.

import type { Readable } from 'node:stream';
import { baseMediaType, ContractError, MULTIPART_CONTENT_TYPE, RAW_CONTENT_TYPES } from '@rtip/contract';
import { findImagePart, multipartBoundary } from './multipart.js';

export type BodyKind = { kind: 'raw' } | { kind: 'multipart'; boundary: string };

export const payloadTooLarge = (limit: number) =>
  new ContractError('PAYLOAD_TOO_LARGE', `The request body is larger than ${limit} bytes.`);

/** Decides from the Content-Type alone (before any body byte is read) how the image is sent. */
export function bodyKind(contentType: string | undefined): BodyKind {
  const type = baseMediaType(contentType);
  if (type === MULTIPART_CONTENT_TYPE) {
    const boundary = multipartBoundary(contentType ?? '');
    if (!boundary) throw new ContractError('INVALID_REQUEST', 'multipart/form-data without a boundary.');
    return { kind: 'multipart', boundary };
  }
  if (RAW_CONTENT_TYPES.includes(type)) return { kind: 'raw' };
  throw new ContractError(
    'UNSUPPORTED_MEDIA_TYPE',
    type === ''
      ? 'No Content-Type: send multipart/form-data or a raw image type.'
      : `Content-Type ${type} is not accepted: send multipart/form-data or one of ${RAW_CONTENT_TYPES.join(', ')}.`,
  );
}

/**
 * Reads a body stream into one buffer, counting while streaming: past `limit` bytes the stream is cancelled
 * and PAYLOAD_TOO_LARGE thrown, so an oversized chunked upload is never buffered whole.
 */
export async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        // The client went away or sent broken framing: its fault, not an internal error.
        throw new ContractError('INVALID_REQUEST', 'The request body could not be read.', { cause: err });
      }
      const { done, value } = chunk;
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw payloadTooLarge(limit);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return chunks.length === 1
    ? Buffer.from((chunks[0] as Uint8Array).buffer, (chunks[0] as Uint8Array).byteOffset, size)
    : Buffer.concat(chunks, size);
}

/**
 * The same for a Node request (under @hono/node-server), read directly from the IncomingMessage: about
 * 2× cheaper in CPU than going through the web ReadableStream wrapper, which matters at ~10 ms per image.
 */
export function readIncomingLimited(incoming: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        cleanup();
        incoming.pause();
        reject(payloadTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: unknown) => {
      cleanup();
      reject(new ContractError('INVALID_REQUEST', 'The request body could not be read.', { cause: err }));
    };
    const onClose = () => onError(new Error('connection closed before the body ended'));
    if (incoming.readableEnded) {
      resolve(Buffer.alloc(0));
      return;
    }
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/** The image bytes of a fully read body (raw, or the `image` part of a multipart body). */
export function imageFromBody(body: Buffer, kind: BodyKind): Buffer {
  return kind.kind === 'raw' ? body : findImagePart(body, kind.boundary);
}
