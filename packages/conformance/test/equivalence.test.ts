// Picture equivalence (packages/contract/src/equivalence.ts): the same request to both services gives the same picture, up to codec noise.

import { loadVectors } from '@rtip/contract';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { boundFor, decode, distance } from '../src/pictures.js';
import { vectorRequest } from '../src/requests.js';

const targets = inject('targets');
const [left, right] = targets;
const cases = loadVectors().filter((v) => v.expect.status === 200 && Object.keys(v.config).length === 0);

interface Row {
  name: string;
  bar: string;
  psnr: number;
  mae: number;
  leftBytes: number;
  rightBytes: number;
}
const rows: Row[] = [];

describe.skipIf(targets.length < 2)(`equivalence of ${left?.name} and ${right?.name}`, () => {
  afterAll(() => {
    if (rows.length === 0 || !left || !right) return;
    const fmt = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '∞');
    const lines = [
      `| case | bar | PSNR dB | MAE | ${left.name} bytes | ${right.name} bytes |`,
      '|---|---|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${r.bar} | ${fmt(r.psnr, 1)} | ${fmt(r.mae, 3)} | ${r.leftBytes} | ${r.rightBytes} |`,
      ),
    ];
    console.log(`\nPicture equivalence, ${left.name} vs ${right.name}\n${lines.join('\n')}\n`);
  });

  it.each(cases.map((v) => [v.name, v] as const))('%s', async (name, v) => {
    if (!left || !right) return;
    const answers = await Promise.all(
      [left, right].map(async (t) => {
        const res = await fetch(...vectorRequest(t.url, v));
        expect(res.status, t.name).toBe(200);
        return { type: res.headers.get('content-type'), bytes: new Uint8Array(await res.arrayBuffer()) };
      }),
    );
    const [a, b] = answers as [(typeof answers)[0], (typeof answers)[0]];
    expect(a.type).toBe(b.type);
    const [pa, pb] = await Promise.all([decode(a.bytes), decode(b.bytes)]);
    expect([pa.format, pa.width, pa.height, pa.channels]).toEqual([
      pb.format,
      pb.width,
      pb.height,
      pb.channels,
    ]);
    const d = distance(pa, pb);
    const bound = boundFor(v.fixture as string, v.request.query);
    rows.push({
      name,
      bar: `${bound.kind} ≥${bound.minPsnr}${Number.isFinite(bound.maxMae) ? `, MAE ≤${bound.maxMae}` : ''}`,
      psnr: d.psnr,
      mae: d.mae,
      leftBytes: a.bytes.length,
      rightBytes: b.bytes.length,
    });
    expect(d.psnr, `PSNR of ${name}`).toBeGreaterThanOrEqual(bound.minPsnr);
    expect(d.mae, `MAE of ${name}`).toBeLessThanOrEqual(bound.maxMae);
  });
});
