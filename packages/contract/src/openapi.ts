// The OpenAPI 3.1 document of contract v1, generated from the tables of this package.

import { CONFIG_VARIABLES, DEFAULT_PORTS, IMPLEMENTATIONS } from './config.js';
import { ERRORS, type ErrorCode, PROBLEM_CONTENT_TYPE, problemType } from './errors.js';
import { MULTIPART_CONTENT_TYPE, RAW_CONTENT_TYPES, REQUEST_ID_PATTERN } from './media.js';
import { OPTIONS, type OptionKey } from './options.js';

export const CONTRACT_VERSION = '1.0.0';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function optionSchema(key: OptionKey): Json {
  const spec = OPTIONS[key];
  switch (spec.kind) {
    case 'boolean':
      return { type: 'string', enum: ['true', 'false', '1', '0'], default: String(spec.default) };
    case 'integer': {
      const schema: Record<string, Json> = { type: 'integer', minimum: spec.min, maximum: spec.max };
      if (spec.default !== undefined) schema.default = spec.default;
      return schema;
    }
    case 'enum':
      return typeof spec.default === 'number'
        ? { type: 'integer', enum: spec.values.map(Number), default: spec.default }
        : { type: 'string', enum: spec.values.map(String), default: spec.default };
  }
}

function problemResponse(codes: ErrorCode[]): Json {
  return {
    description: codes.map((c) => `${c}: ${ERRORS[c].when}`).join('; '),
    headers: { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } },
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

function errorResponses(codes: ErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries([...byStatus].map(([status, list]) => [String(status), problemResponse(list)]));
}

const statusJson = (values: string[]): Json => ({
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: values } },
});

const jsonResponse = (description: string, schema: Json): Json => ({
  description,
  content: { 'application/json': { schema } },
});

/** Answers the HTTP edge can give to any request, before it reaches a route (README, "Edge policy"). */
const EDGE_CODES: ErrorCode[] = ['HEADERS_TOO_LARGE', 'HEADERS_TIMEOUT'];

const getOperation = (summary: string, responses: Record<string, Json>): Json => ({
  get: {
    summary,
    responses: { ...responses, ...errorResponses(['INVALID_REQUEST', 'METHOD_NOT_ALLOWED', ...EDGE_CODES]) },
  },
});

/** Builds the document. Deterministic: the same tables give the same bytes. */
export function buildOpenApiDocument(): Record<string, Json> {
  const env = Object.entries(CONFIG_VARIABLES)
    .map(([name, v]) => `\`${name}\` (${v.default}): ${v.description}`)
    .join('\n- ');
  const imageBinary: Json = { type: 'string', contentMediaType: 'application/octet-stream' };
  // An empty image is 400 MISSING_IMAGE, so the schema of a request body says at least one byte.
  const imageUpload: Json = { ...imageBinary, minLength: 1 };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Real-time image processing service',
      version: CONTRACT_VERSION,
      summary: `Contract v1, implemented by ${IMPLEMENTATIONS.map((n) => `${n} (${DEFAULT_PORTS[n]})`).join(', ')}.`,
      description:
        'Decode, orient, rotate, mirror, resize, Rec.601 grayscale and encode an image.\n\n' +
        `Processing order: decode → EXIF auto-orient → rotate → flip/flop → resize → grayscale → encode.\n\nConfiguration (environment):\n- ${env}`,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: IMPLEMENTATIONS.map((n) => ({
      url: `http://localhost:${DEFAULT_PORTS[n]}`,
      description: `${n} service`,
    })),
    paths: {
      '/process': {
        post: {
          summary: 'Process an image',
          description:
            'The format is decided by magic bytes: JPEG, PNG, WebP, GIF (first frame). Errors are RFC 9457 problem+json.\n\n' +
            'An error decided before the body has been read to its end (413 by declared length or mid-stream, 503 before ' +
            'the body, 400/415 from the request line and headers) is written at once with `Connection: close`; the ' +
            'service then reads and discards the rest of the body (at most `LINGER_TIMEOUT_MS`, and `LINGER_IDLE_MS` ' +
            'without a byte) before closing, so the answer is not lost to a reset. `Expect: 100-continue` gets its ' +
            '100 only once the service starts reading the body.\n\n' +
            'Bodies in flight share the memory budget `MAX_INFLIGHT_UPLOAD_BYTES` (503 before the body when it does not fit); ' +
            'a body must be complete within `UPLOAD_TIMEOUT_MS` (408); a processing place is taken only once the body is read.',
          parameters: [
            { $ref: '#/components/parameters/RequestId' },
            ...Object.keys(OPTIONS).map((key) => ({ $ref: `#/components/parameters/${key}` })),
          ],
          requestBody: {
            required: true,
            content: {
              [MULTIPART_CONTENT_TYPE]: {
                schema: {
                  type: 'object',
                  description:
                    'One part named `image`; other parts are ignored. A part name is a quoted-string, so it holds no control characters (a Content-Disposition that does not parse is 400 INVALID_REQUEST).',
                  required: ['image'],
                  properties: { image: imageUpload },
                  propertyNames: { pattern: '^[^\\u0000-\\u0008\\u000A-\\u001F\\u007F]*$' },
                },
              },
              ...Object.fromEntries(RAW_CONTENT_TYPES.map((t) => [t, { schema: imageUpload }])),
            },
          },
          responses: {
            '200': {
              description: 'The processed image.',
              headers: {
                'X-Request-Id': { $ref: '#/components/headers/RequestId' },
                'X-Image-Width': { schema: { type: 'integer', minimum: 1 } },
                'X-Image-Height': { schema: { type: 'integer', minimum: 1 } },
                'Server-Timing': {
                  description:
                    'decode;dur=…, transform;dur=…, encode;dur=… (milliseconds; the stages are defined in the contract README)',
                  schema: { type: 'string' },
                },
                'Content-Length': { schema: { type: 'integer', minimum: 1 } },
              },
              content: { 'image/jpeg': { schema: imageBinary }, 'image/png': { schema: imageBinary } },
            },
            ...errorResponses([
              'INVALID_OPTION',
              'INVALID_REQUEST',
              'MISSING_IMAGE',
              'METHOD_NOT_ALLOWED',
              'UPLOAD_TIMEOUT',
              'PAYLOAD_TOO_LARGE',
              ...EDGE_CODES,
              'UNSUPPORTED_MEDIA_TYPE',
              'UNDECODABLE_IMAGE',
              'IMAGE_TOO_LARGE',
              'OVERLOADED',
              'PROCESSING_TIMEOUT',
              'INTERNAL',
            ]),
          },
        },
      },
      '/healthz': getOperation('Liveness', { '200': jsonResponse('Alive.', statusJson(['ok'])) }),
      '/readyz': getOperation('Readiness', {
        '200': jsonResponse('Ready for traffic.', statusJson(['ready'])),
        '503': jsonResponse('Shutting down.', statusJson(['draining'])),
      }),
      '/metrics': getOperation('Prometheus metrics', {
        '200': {
          description: 'Text exposition format.',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
      }),
      '/info': getOperation('Implementation, versions, limits and parallelism settings', {
        '200': jsonResponse('Service information.', { $ref: '#/components/schemas/Info' }),
      }),
      '/openapi.json': getOperation('This document', {
        '200': jsonResponse('OpenAPI 3.1 document.', { type: 'object' }),
      }),
    },
    components: {
      parameters: {
        RequestId: {
          name: 'X-Request-Id',
          in: 'header',
          required: false,
          // Any value is accepted: one that does not match is replaced, not refused, so the schema has no pattern.
          description: `Echoed when it matches ${REQUEST_ID_PATTERN.source}; otherwise the service generates one.`,
          schema: { type: 'string' },
        },
        ...Object.fromEntries(
          (Object.keys(OPTIONS) as OptionKey[]).map((key) => [
            key,
            {
              name: key,
              in: 'query',
              required: false,
              description: OPTIONS[key].description,
              schema: optionSchema(key),
            },
          ]),
        ),
      },
      headers: {
        RequestId: {
          description: 'The request id.',
          schema: { type: 'string', pattern: REQUEST_ID_PATTERN.source },
        },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code', 'requestId'],
          properties: {
            type: { type: 'string', examples: [problemType('INVALID_OPTION')] },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string', enum: Object.keys(ERRORS) },
            requestId: { type: 'string' },
          },
        },
        Info: {
          type: 'object',
          required: ['implementation', 'version', 'runtime', 'libraries', 'limits', 'concurrency'],
          properties: {
            implementation: { type: 'string', enum: IMPLEMENTATIONS },
            version: { type: 'string' },
            runtime: { type: 'object', required: ['name', 'version'] },
            libraries: { type: 'object', additionalProperties: { type: 'string' } },
            limits: {
              type: 'object',
              required: [
                'maxUploadBytes',
                'maxInflightUploadBytes',
                'uploadTimeoutMs',
                'maxInputPixels',
                'requestTimeoutMs',
                'shutdownTimeoutMs',
              ],
              properties: {
                maxUploadBytes: { type: 'integer' },
                maxInflightUploadBytes: { type: 'integer' },
                uploadTimeoutMs: { type: 'integer' },
                maxInputPixels: { type: 'integer' },
                requestTimeoutMs: { type: 'integer' },
                shutdownTimeoutMs: { type: 'integer' },
              },
            },
            concurrency: {
              type: 'object',
              required: ['concurrency', 'queueDepth'],
              properties: { concurrency: { type: 'integer' }, queueDepth: { type: 'integer' } },
              additionalProperties: true,
            },
          },
        },
      },
    },
  };
}

/** The exact bytes served at GET /openapi.json and committed as openapi.json. */
export function openApiText(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}
