// Pre-flight: every target must answer the benchmark request correctly, and the answers must be the same
// picture, before any timing starts, held to the contract's equivalence bars (the conformance suite's too).

import path from 'node:path';
import { equivalenceBar } from '@rtip/contract';
import { distance } from '@rtip/testkit';
import sharp from 'sharp';
import type { Scenario } from './scenario.js';

export interface Answer {
  status: number;
  contentType: string;
  headers: { width: number; height: number };
  body: Buffer;
}

export interface PreflightTarget {
  name: string;
  status: number;
  contentType: string;
  bytes: number;
  width: number;
  height: number;
  channels: number;
  /** Against the reference target (the first one); absent for the reference itself. */
  psnrDb?: number;
  mae?: number;
  problems: string[];
}

export interface Preflight {
  reference: string;
  /** Which bar of the equivalence table applies (e.g. "gray": grayscale without resampling). */
  barKind: string;
  minPsnrDb: number;
  /** Mean absolute error bar in 8-bit levels (Infinity: none, written as null). */
  maxMae: number;
  targets: PreflightTarget[];
  pass: boolean;
}

async function decode(buf: Buffer) {
  const meta = await sharp(buf).metadata();
  // Compare in one channel: the benchmark ops are all grayscale (a 3-channel answer is flagged separately).
  const raw = await sharp(buf).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { meta, pixels: raw.data, width: raw.info.width, height: raw.info.height };
}

export async function checkAnswers(
  s: Scenario,
  answers: Array<{ name: string; answer: Answer }>,
): Promise<Preflight> {
  const bar = equivalenceBar(path.basename(s.imagePath), s.query);
  const minPsnrDb = bar.minPsnr;
  const targets: PreflightTarget[] = [];
  let ref: { name: string; pixels: Buffer; width: number; height: number } | undefined;
  for (const { name, answer } of answers) {
    const t: PreflightTarget = {
      name,
      status: answer.status,
      contentType: answer.contentType,
      bytes: answer.body.length,
      width: Number.NaN,
      height: Number.NaN,
      channels: Number.NaN,
      problems: [],
    };
    targets.push(t);
    if (answer.status !== 200) {
      t.problems.push(`status ${answer.status}, want 200: ${answer.body.subarray(0, 300).toString()}`);
      continue;
    }
    if (!answer.contentType.startsWith(s.expected.contentType)) {
      t.problems.push(`Content-Type ${answer.contentType}, want ${s.expected.contentType}`);
    }
    let d: Awaited<ReturnType<typeof decode>>;
    try {
      d = await decode(answer.body);
    } catch (e) {
      t.problems.push(`answer does not decode: ${(e as Error).message}`);
      continue;
    }
    t.width = d.width;
    t.height = d.height;
    t.channels = d.meta.channels ?? Number.NaN;
    if (d.meta.format !== 'jpeg') t.problems.push(`format ${d.meta.format}, want jpeg`);
    if (d.width !== s.expected.width || d.height !== s.expected.height) {
      t.problems.push(`size ${d.width}×${d.height}, want ${s.expected.width}×${s.expected.height}`);
    }
    if (answer.headers.width !== d.width || answer.headers.height !== d.height) {
      t.problems.push(`X-Image-Width/Height ${answer.headers.width}×${answer.headers.height} ≠ decoded size`);
    }
    if (t.channels !== s.expected.channels)
      t.problems.push(`${t.channels} channels, want ${s.expected.channels}`);
    if (!ref) {
      ref = { name, pixels: d.pixels, width: d.width, height: d.height };
    } else if (ref.width === d.width && ref.height === d.height) {
      const q = distance(ref.pixels, d.pixels);
      t.psnrDb = q.psnr;
      t.mae = q.mae;
      if (!(q.psnr >= minPsnrDb)) {
        t.problems.push(
          `PSNR ${q.psnr.toFixed(1)} dB against ${ref.name}, want ≥ ${minPsnrDb} dB (not equivalent)`,
        );
      }
      if (!(q.mae <= bar.maxMae)) {
        t.problems.push(`MAE ${q.mae.toFixed(2)} against ${ref.name}, want ≤ ${bar.maxMae} (not equivalent)`);
      }
    } else {
      t.problems.push(`size differs from ${ref.name}: cannot compare pictures`);
    }
  }
  return {
    reference: answers[0]?.name ?? '',
    barKind: bar.kind,
    minPsnrDb,
    maxMae: bar.maxMae,
    targets,
    pass: targets.every((t) => t.problems.length === 0),
  };
}

export function describePreflight(p: Preflight): string {
  return p.targets
    .map((t) => {
      const q =
        t.psnrDb === undefined ? 'reference' : `PSNR ${t.psnrDb.toFixed(1)} dB, MAE ${t.mae?.toFixed(2)}`;
      const ok = t.problems.length ? `FAIL: ${t.problems.join('; ')}` : 'ok';
      return `  ${t.name}: ${t.status} ${t.contentType} ${t.width}×${t.height}×${t.channels}, ${t.bytes} B, ${q} — ${ok}`;
    })
    .join('\n');
}
