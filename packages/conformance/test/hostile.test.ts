// Hostile input: corrupted and truncated pictures of every format must get a contract answer, never a 500.

import { describe, expect, inject, it } from 'vitest';
import { decode } from '../src/pictures.js';
import { fixture } from '../src/requests.js';

const targets = inject('targets');

const SEEDS = [
  'photo-small.jpg',
  'photo-gray.jpg',
  'photo-cmyk.jpg',
  'photo-exif-rotate-6.jpg',
  'photo.png',
  'alpha.png',
  'photo-exif-rotate-6.png',
  'photo.webp',
  'photo-exif-rotate-6.webp',
  'photo.gif',
];
const QUERIES = [
  '',
  'grayscale=false',
  'width=120',
  'format=png',
  'rotate=90&flip=1',
  'width=64&height=64&fit=cover',
];
const CASES = 300;

/** mulberry32: a small seeded generator, so every run sends the same bytes. */
function random(seed: number): (n: number) => number {
  let a = seed;
  return (n) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** One corrupted picture: bit flips, a cut, a run of 0xFF or random bytes over the header. */
function corrupt(rnd: (n: number) => number): { name: string; body: Buffer; query: string } {
  const name = SEEDS[rnd(SEEDS.length)] as string;
  const bytes = Buffer.from(fixture(name));
  const how = rnd(4);
  if (how === 0) {
    for (let k = 0; k < 1 + rnd(8); k++) {
      const at = rnd(bytes.length);
      bytes[at] = (bytes[at] as number) ^ (1 << rnd(8));
    }
  }
  if (how === 2) {
    const at = 16 + rnd(200);
    bytes.fill(0xff, at, at + 8);
  }
  if (how === 3) for (let k = 12; k < 64; k++) if (rnd(4) === 0) bytes[k] = rnd(256);
  const body = how === 1 ? bytes.subarray(0, 16 + rnd(bytes.length - 16)) : bytes;
  return { name: `${name} #${how}`, body, query: QUERIES[rnd(QUERIES.length)] as string };
}

describe.each(targets)('$name service under corrupted input', ({ url }) => {
  it(`answers ${CASES} corrupted pictures with 200 or a 4xx contract error, then stays healthy`, async () => {
    const rnd = random(20261129);
    const statuses: Record<number, number> = {};
    for (let i = 0; i < CASES; i++) {
      const c = corrupt(rnd);
      const res = await fetch(`${url}/process?${c.query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: c.body,
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      expect([200, 400, 415, 422], `${c.name} ?${c.query}`).toContain(res.status);
      if (res.status === 200) {
        const picture = await decode(bytes);
        expect([picture.width, picture.height], `${c.name} ?${c.query}`).toEqual([
          Number(res.headers.get('x-image-width')),
          Number(res.headers.get('x-image-height')),
        ]);
      } else {
        expect(JSON.parse(new TextDecoder().decode(bytes)).status).toBe(res.status);
      }
    }
    console.log(`${url}: ${JSON.stringify(statuses)}`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});
