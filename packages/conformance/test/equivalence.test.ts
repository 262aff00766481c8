// Picture equivalence: the same request to every target gives the same picture, up to codec noise (the bars are
// the contract's equivalenceBar).
// Each case is asked of every target once and compared pair by pair: with go, ts and go-vips that is the codec
// question (go vs go-vips: same runtime) and the runtime question (ts vs go-vips: same libvips) side by side.

import { loadVectors } from '@rtip/contract';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { boundFor, type Decoded, decode, distance } from '../src/pictures.js';
import { vectorRequest } from '../src/requests.js';
import { pairs, type Target } from '../src/targets.js';

const targets = inject('targets');
const matrix = pairs(targets);
const cases = loadVectors().filter((v) => v.expect.status === 200 && Object.keys(v.config).length === 0);

interface Row {
  name: string;
  bar: string;
  psnr: number;
  mae: number;
  leftBytes: number;
  rightBytes: number;
}
const rows = new Map<string, Row[]>(matrix.map(([a, b]) => [`${a.name} vs ${b.name}`, []]));

interface Answer {
  target: Target;
  type: string | null;
  bytes: Uint8Array;
  picture: Decoded;
}

describe.skipIf(matrix.length === 0)(`equivalence of ${targets.map((t) => t.name).join(', ')}`, () => {
  afterAll(() => {
    const fmt = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '∞');
    for (const [left, right] of matrix) {
      const pair = `${left.name} vs ${right.name}`;
      const table = rows.get(pair) ?? [];
      if (table.length === 0) continue;
      const lines = [
        `| case | bar | PSNR dB | MAE | ${left.name} bytes | ${right.name} bytes |`,
        '|---|---|---:|---:|---:|---:|',
        ...table.map(
          (r) =>
            `| ${r.name} | ${r.bar} | ${fmt(r.psnr, 1)} | ${fmt(r.mae, 3)} | ${r.leftBytes} | ${r.rightBytes} |`,
        ),
      ];
      console.log(`\nPicture equivalence, ${pair}\n${lines.join('\n')}\n`);
    }
  });

  it.each(cases.map((v) => [v.name, v] as const))('%s', async (name, v) => {
    const answers = new Map<string, Answer>();
    await Promise.all(
      targets.map(async (target) => {
        const res = await fetch(...vectorRequest(target.url, v));
        expect(res.status, target.name).toBe(200);
        const bytes = new Uint8Array(await res.arrayBuffer());
        answers.set(target.name, {
          target,
          type: res.headers.get('content-type'),
          bytes,
          picture: await decode(bytes),
        });
      }),
    );
    const bound = boundFor(v.fixture as string, v.request.query);
    for (const [left, right] of matrix) {
      const a = answers.get(left.name) as Answer;
      const b = answers.get(right.name) as Answer;
      const pair = `${left.name} vs ${right.name}`;
      expect(a.type, pair).toBe(b.type);
      const [pa, pb] = [a.picture, b.picture];
      expect([pa.format, pa.width, pa.height, pa.channels], pair).toEqual([
        pb.format,
        pb.width,
        pb.height,
        pb.channels,
      ]);
      const d = distance(pa, pb);
      rows.get(pair)?.push({
        name,
        bar: `${bound.kind} ≥${bound.minPsnr}${Number.isFinite(bound.maxMae) ? `, MAE ≤${bound.maxMae}` : ''}`,
        psnr: d.psnr,
        mae: d.mae,
        leftBytes: a.bytes.length,
        rightBytes: b.bytes.length,
      });
      expect(d.psnr, `PSNR of ${name}, ${pair}`).toBeGreaterThanOrEqual(bound.minPsnr);
      expect(d.mae, `MAE of ${name}, ${pair}`).toBeLessThanOrEqual(bound.maxMae);
    }
  });
});
