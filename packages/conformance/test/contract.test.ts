// Contract v1 (packages/contract), black box over HTTP, against every target.

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CACHE_CONTROL,
  ERRORS,
  IMPLEMENTATIONS,
  loadVectors,
  METRIC_NAMES,
  METRICS,
  openApiText,
  PROBLEM_CONTENT_TYPE,
  PROCESS_METRIC_NAMES,
  problemType,
  REQUEST_ID_PATTERN,
  type Vector,
} from '@rtip/contract';
import { describe, expect, inject, it } from 'vitest';
import { decode } from '../src/pictures.js';
import {
  fixture,
  metricFamilies,
  metricValue,
  multipart,
  postChunked,
  postChunkedAndHold,
  postDeclaredLength,
  vectorRequest,
} from '../src/requests.js';

const targets = inject('targets');

/** The linter of `promtool check metrics`, built once from tools/promlint (a small Go program). */
let promlint: Promise<string> | undefined;
function promlintBinary(): Promise<string> {
  promlint ??= (async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'rtip-promlint-')), 'promlint');
    await promisify(execFile)('go', ['build', '-o', out, '.'], {
      cwd: join(import.meta.dirname, '..', 'tools', 'promlint'),
    });
    return out;
  })();
  return promlint;
}

function lint(binary: string, exposition: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(exposition);
  });
}
const defaultVectors = loadVectors().filter((v) => Object.keys(v.config).length === 0);
const MAX_UPLOAD_BYTES = 26_214_400;

async function expectProblem(res: Response, v: Pick<Vector, 'expect'>) {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  const code = v.expect.code as keyof typeof ERRORS;
  expect(body).toEqual({
    type: problemType(code),
    title: ERRORS[code].title,
    status: v.expect.status,
    detail: expect.any(String),
    code,
    requestId: res.headers.get('x-request-id'),
  });
  if (v.expect.detailContains)
    expect((body.detail as string).toLowerCase()).toContain(v.expect.detailContains.toLowerCase());
  return body;
}

const post = (url: string, query: string, bytes: Uint8Array, headers: Record<string, string> = {}) =>
  fetch(`${url}/process${query ? `?${query}` : ''}`, {
    method: 'POST',
    body: multipart([{ name: 'image', filename: 'x.jpg', bytes }]),
    headers,
  });

describe.each(targets)('$name service', ({ url, implementation }) => {
  describe('shared vectors', () => {
    it.each(defaultVectors.map((v) => [v.name, v] as const))('%s', async (_name, v) => {
      const res = await fetch(...vectorRequest(url, v));
      expect(res.status).toBe(v.expect.status);
      for (const [header, value] of Object.entries(v.expect.headers ?? {})) {
        expect(res.headers.get(header)).toBe(value);
      }
      if (v.expect.status !== 200) {
        await expectProblem(res, v);
        return;
      }
      expect(res.headers.get('content-type')).toBe(v.expect.contentType);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
      expect(Number(res.headers.get('x-image-width'))).toBe(v.expect.width);
      expect(Number(res.headers.get('x-image-height'))).toBe(v.expect.height);
      const picture = await decode(bytes);
      expect(picture.format).toBe(v.expect.contentType === 'image/png' ? 'png' : 'jpeg');
      expect([picture.width, picture.height, picture.channels]).toEqual([
        v.expect.width,
        v.expect.height,
        v.expect.channels,
      ]);
    });
  });

  describe('success headers', () => {
    it('sends Server-Timing with the three stages in milliseconds', async () => {
      const res = await post(url, '', fixture('photo-small.jpg'));
      expect(res.status).toBe(200);
      const timing = res.headers.get('server-timing') ?? '';
      for (const stage of ['decode', 'transform', 'encode'])
        expect(timing).toMatch(new RegExp(`${stage};dur=\\d+(\\.\\d+)?`));
    });

    it('sends Cache-Control: no-store on every answer: images, problems, ops endpoints', async () => {
      const answers = [
        await post(url, '', fixture('photo-small.jpg')),
        await post(url, 'rotate=45', fixture('photo-small.jpg')),
        ...(await Promise.all(
          ['/healthz', '/readyz', '/info', '/metrics', '/openapi.json', '/nope'].map((p) =>
            fetch(`${url}${p}`),
          ),
        )),
        await fetch(`${url}/healthz`, { method: 'DELETE' }),
      ];
      expect(answers.map((r) => r.status)).toEqual([200, 400, 200, 200, 200, 200, 200, 404, 405]);
      for (const res of answers) {
        expect(res.headers.get('cache-control'), res.url).toBe(CACHE_CONTROL);
        await res.arrayBuffer();
      }
    });

    it('echoes a valid X-Request-Id, on success and on error', async () => {
      const ok = await post(url, '', fixture('photo-small.jpg'), { 'x-request-id': 'conformance.ok-1' });
      expect(ok.headers.get('x-request-id')).toBe('conformance.ok-1');
      const bad = await post(url, 'rotate=45', fixture('photo-small.jpg'), {
        'x-request-id': 'conformance_err',
      });
      expect(bad.headers.get('x-request-id')).toBe('conformance_err');
      expect(((await bad.json()) as { requestId: string }).requestId).toBe('conformance_err');
    });

    it('generates an X-Request-Id when none or an invalid one is sent', async () => {
      for (const sent of [undefined, 'has spaces', 'x'.repeat(129), 'semi;colon']) {
        const res = await fetch(`${url}/healthz`, { headers: sent ? { 'x-request-id': sent } : {} });
        const id = res.headers.get('x-request-id') ?? '';
        expect(id).toMatch(REQUEST_ID_PATTERN);
        expect(id).not.toBe(sent);
      }
    });

    it('orders JPEG sizes by quality', async () => {
      const sizes: number[] = [];
      for (const q of [10, 50, 95]) {
        const res = await post(url, `quality=${q}`, fixture('photo-hd.jpg'));
        sizes.push((await res.arrayBuffer()).byteLength);
      }
      expect(sizes[0]).toBeLessThan(sizes[1] as number);
      expect(sizes[1]).toBeLessThan(sizes[2] as number);
    });

    it('writes a baseline single-component JPEG for grayscale and 4:2:0 colour', async () => {
      const gray = new Uint8Array(await (await post(url, '', fixture('photo-small.jpg'))).arrayBuffer());
      const colour = new Uint8Array(
        await (await post(url, 'grayscale=false', fixture('photo-small.jpg'))).arrayBuffer(),
      );
      const sof = (bytes: Uint8Array) => {
        for (let i = 2; i + 9 < bytes.length; ) {
          if (bytes[i] !== 0xff) return undefined;
          const marker = bytes[i + 1] as number;
          const len = ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number);
          if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
            return { marker, components: bytes[i + 9] as number, lumaSampling: bytes[i + 11] as number };
          }
          i += 2 + len;
        }
        return undefined;
      };
      expect(sof(gray)).toMatchObject({ marker: 0xc0, components: 1 });
      expect(sof(colour)).toEqual({ marker: 0xc0, components: 3, lumaSampling: 0x22 });
    });
  });

  describe('upload limits', () => {
    it('refuses a declared Content-Length over the limit before the body is sent', async () => {
      const res = await postDeclaredLength(url, MAX_UPLOAD_BYTES + 1);
      expect(res.status).toBe(413);
      expect(res.sent).toBe(0);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
    });

    it('answers a chunked body 413 once it crosses the limit, without waiting for its end', async () => {
      // The client sends one chunk past the limit and then neither more nor the terminating chunk.
      const res = await postChunkedAndHold(url, MAX_UPLOAD_BYTES + 64 * 1024);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    });

    it('answers a chunked body 3× over the limit 413 and stays healthy', async () => {
      // Early answers are drained (contract README), so a fast client may well send all of it: only the answer
      // and the service's health are the contract here.
      const res = await postChunked(url, 3 * MAX_UPLOAD_BYTES);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await post(url, '', fixture('photo-small.jpg'))).status).toBe(200);
    });

    it('answers a decompression bomb 422 without its memory jumping', async () => {
      const rss = async () =>
        metricValue(await (await fetch(`${url}/metrics`)).text(), 'process_resident_memory_bytes') as number;
      const before = await rss();
      for (let i = 0; i < 3; i++) {
        const res = await post(url, '', fixture('bomb-400mp.png'));
        expect(res.status).toBe(422);
        expect(((await res.json()) as { code: string }).code).toBe('IMAGE_TOO_LARGE');
      }
      const after = await rss();
      // 400 MP of 8-bit gray would be 400 MB: anything near that means the pixels were allocated.
      expect(after - before).toBeLessThan(64 * 1024 * 1024);
    });
  });

  describe('routing', () => {
    it('answers unknown paths 404 and wrong methods 405 with Allow', async () => {
      const missing = await fetch(`${url}/process/extra`);
      await expectProblem(missing, {
        expect: { status: 404, code: 'NOT_FOUND', contentType: PROBLEM_CONTENT_TYPE },
      });
      for (const [method, path, allow] of [
        ['PUT', '/process', 'POST'],
        ['DELETE', '/metrics', 'GET, HEAD'],
        ['POST', '/info', 'GET, HEAD'],
        ['PATCH', '/openapi.json', 'GET, HEAD'],
      ] as const) {
        const res = await fetch(`${url}${path}`, { method });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow')).toBe(allow);
        await expectProblem(res, {
          expect: { status: 405, code: 'METHOD_NOT_ALLOWED', contentType: PROBLEM_CONTENT_TYPE },
        });
      }
    });
  });

  describe('operational endpoints', () => {
    it('GET /healthz and /readyz', async () => {
      const health = await fetch(`${url}/healthz`);
      expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
      const ready = await fetch(`${url}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    });

    it('GET /info tells implementation, versions, limits and parallelism', async () => {
      const res = await fetch(`${url}/info`);
      expect(res.status).toBe(200);
      const info = (await res.json()) as {
        implementation: string;
        version: string;
        runtime: Record<string, unknown>;
        libraries: Record<string, string>;
        limits: Record<string, number>;
        concurrency: { concurrency: number; queueDepth: number };
      };
      expect(IMPLEMENTATIONS).toContain(info.implementation);
      // A service the suite started says which build it is (go and go-vips are one code base).
      if (implementation) expect(info.implementation).toBe(implementation);
      expect(info.version).toEqual(expect.any(String));
      expect(info.runtime).toMatchObject({ name: expect.any(String), version: expect.any(String) });
      expect(Object.keys(info.libraries).length).toBeGreaterThan(0);
      expect(info.limits).toMatchObject({
        maxUploadBytes: MAX_UPLOAD_BYTES,
        maxInputPixels: 50_000_000,
        requestTimeoutMs: 30_000,
        shutdownTimeoutMs: 10_000,
      });
      expect(info.concurrency.concurrency).toBeGreaterThanOrEqual(1);
      expect(info.concurrency.queueDepth).toBe(4 * info.concurrency.concurrency);
    });

    it('GET /metrics has every contract metric and counts the requests just made', async () => {
      const read = async () => (await fetch(`${url}/metrics`)).text();
      const labels = { route: '/healthz', method: 'GET', status: '200' };
      const before = metricValue(await read(), 'http_requests_total', labels) ?? 0;
      for (let i = 0; i < 3; i++) await fetch(`${url}/healthz`);
      await post(url, 'rotate=45', fixture('photo-small.jpg'));
      const text = await read();
      expect(metricValue(text, 'http_requests_total', labels)).toBeGreaterThanOrEqual(before + 3);
      expect(metricValue(text, 'image_rejected_total', { code: 'INVALID_OPTION' })).toBeGreaterThanOrEqual(1);
      expect(metricValue(text, 'image_bytes_total', { direction: 'in' })).toBeGreaterThan(0);
      expect(metricValue(text, 'image_stage_duration_seconds_count', { stage: 'decode' })).toBeGreaterThan(0);
      const families = metricFamilies(text);
      for (const name of [...METRIC_NAMES, ...PROCESS_METRIC_NAMES]) expect(families, name).toContain(name);
    });

    it('GET /metrics passes the linter of `promtool check metrics`, with the HELP texts of the contract', async () => {
      await post(url, 'width=64', fixture('photo-small.jpg'));
      const text = await (await fetch(`${url}/metrics`)).text();
      const { code, output } = await lint(await promlintBinary(), text);
      expect(output).toBe('');
      expect(code).toBe(0);
      for (const m of Object.values(METRICS)) expect(text, m.name).toContain(`# HELP ${m.name} ${m.help}\n`);
    }, 120_000);

    it('GET /openapi.json is the contract document, byte for byte', async () => {
      const res = await fetch(`${url}/openapi.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.text()).toBe(openApiText());
    });
  });
});
