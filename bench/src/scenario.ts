// The benchmark request: image, operation and phase timings from scenarios.json, and the multipart body both
// drivers send.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES_DIR, IMAGE_PART, planResize } from '@rtip/contract';
import { multipartBody as multipartParts } from '@rtip/testkit';

export const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));
export const REPO_DIR = path.resolve(BENCH_DIR, '..');

export interface PhasePreset {
  warmupS: number;
  /**
   * The capacity search starts at this fraction of the warm-up's estimate (CONCURRENCY ÷ closed-loop service
   * time): lower is safer against a bad estimate, higher needs fewer steps.
   */
  startFraction: number;
  stepS: number;
  phaseS: number;
  trials: number;
  bisectSteps: number;
  fixedFractions: number[];
  overloadFactor: number;
  /** Recovery load, as a fraction of the target's own capacity, straight after the overload. */
  recoveryFraction: number;
  recoveryS: number;
  settleS: number;
  /** Re-run a failing capacity step once; it fails only if it fails twice. */
  confirmFailures: boolean;
}

interface ScenarioFile {
  version: number;
  body: 'multipart';
  partName: string;
  images: Record<string, { fixture: string; width: number; height: number }>;
  ops: Record<string, { query: string; resize: boolean; describe: string }>;
  presets: { full: PhasePreset; quick: PhasePreset };
  /** `--suite`: the matrix and its phase lengths; `quick` lists the (image, op) pairs of `--suite quick`. */
  suite: {
    images: string[];
    ops: string[];
    preset: PhasePreset;
    quick: { scenarios: Array<[image: string, op: string]>; preset: 'quick' };
  };
  sloP99Ms: number;
  requestTimeoutS: number;
}

export const SCENARIOS: ScenarioFile = JSON.parse(
  readFileSync(path.join(BENCH_DIR, 'scenarios.json'), 'utf8'),
);
export const IMAGE_NAMES = Object.keys(SCENARIOS.images);
export const OP_NAMES = Object.keys(SCENARIOS.ops);

export interface Scenario {
  image: string;
  imagePath: string;
  imageBytes: number;
  op: string;
  query: string;
  describe: string;
  resize: boolean;
  /** The answer both services must give: JPEG of this size. */
  expected: { contentType: 'image/jpeg'; width: number; height: number; channels: 1 };
  /** The request body: multipart/form-data with one `image` part. */
  body: 'multipart';
}

export function scenario(image: string, op: string): Scenario {
  const img = SCENARIOS.images[image];
  const o = SCENARIOS.ops[op];
  if (!img) throw new Error(`unknown image "${image}" (one of ${IMAGE_NAMES.join(', ')})`);
  if (!o) throw new Error(`unknown op "${op}" (one of ${OP_NAMES.join(', ')})`);
  const q = new URLSearchParams(o.query);
  const num = (k: string) => (q.has(k) ? Number(q.get(k)) : undefined);
  const plan = planResize(img.width, img.height, {
    width: num('width'),
    height: num('height'),
    fit: (q.get('fit') ?? 'inside') as 'inside' | 'cover' | 'fill',
    enlarge: q.get('enlarge') === 'true',
  });
  const imagePath = path.join(FIXTURES_DIR, img.fixture);
  return {
    image,
    imagePath,
    imageBytes: readFileSync(imagePath).length,
    op,
    query: o.query,
    describe: o.describe,
    resize: o.resize,
    expected: { contentType: 'image/jpeg', width: plan.width, height: plan.height, channels: 1 },
    body: SCENARIOS.body,
  };
}

export const MULTIPART_BOUNDARY = 'rtip-bench-7MA4YWxkTrZu0gW';

/** The same bytes k6's http.file() part carries: one part named `image`, filename and image/jpeg type. */
export function multipartBody(image: Buffer, filename: string): { contentType: string; body: Buffer } {
  return multipartParts([{ name: IMAGE_PART, filename, bytes: image }], MULTIPART_BOUNDARY);
}

export function processUrl(base: string, s: Scenario): string {
  return `${base.replace(/\/$/, '')}/process?${s.query}`;
}
