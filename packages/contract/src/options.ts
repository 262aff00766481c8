// The query options of POST /process: one table, one pure parser.

import { ContractError } from './errors.js';

export const FITS = ['inside', 'cover', 'fill'] as const;
export const ROTATIONS = [0, 90, 180, 270] as const;
export const FORMATS = ['jpeg', 'png'] as const;
export const MAX_DIMENSION = 8192;

export type Fit = (typeof FITS)[number];
export type Rotation = (typeof ROTATIONS)[number];
export type OutputFormat = (typeof FORMATS)[number];

export interface ProcessOptions {
  grayscale: boolean;
  width: number | undefined;
  height: number | undefined;
  fit: Fit;
  enlarge: boolean;
  rotate: Rotation;
  flip: boolean;
  flop: boolean;
  format: OutputFormat;
  quality: number;
}

type OptionSpec =
  | { kind: 'boolean'; default: boolean; description: string }
  | { kind: 'integer'; min: number; max: number; default: number | undefined; description: string }
  | { kind: 'enum'; values: readonly (string | number)[]; default: string | number; description: string };

/** Every option of contract v1, in the order the OpenAPI document lists them. */
export const OPTIONS = {
  grayscale: { kind: 'boolean', default: true, description: 'Rec.601 luma output (single-channel JPEG).' },
  width: {
    kind: 'integer',
    min: 1,
    max: MAX_DIMENSION,
    default: undefined,
    description: 'Output width in pixels, in the output orientation.',
  },
  height: {
    kind: 'integer',
    min: 1,
    max: MAX_DIMENSION,
    default: undefined,
    description: 'Output height in pixels, in the output orientation.',
  },
  fit: {
    kind: 'enum',
    values: FITS,
    default: 'inside',
    description: 'inside: fit in the box, keep aspect; cover: fill the box, centre crop; fill: stretch.',
  },
  enlarge: { kind: 'boolean', default: false, description: 'Allow an output larger than the input.' },
  rotate: { kind: 'enum', values: ROTATIONS, default: 0, description: 'Clockwise rotation in degrees.' },
  flip: { kind: 'boolean', default: false, description: 'Mirror vertically (top to bottom).' },
  flop: { kind: 'boolean', default: false, description: 'Mirror horizontally (left to right).' },
  format: { kind: 'enum', values: FORMATS, default: 'jpeg', description: 'Output format.' },
  quality: { kind: 'integer', min: 1, max: 100, default: 80, description: 'JPEG quality.' },
} as const satisfies Record<keyof ProcessOptions, OptionSpec>;

export type OptionKey = keyof typeof OPTIONS;
export const OPTION_KEYS = Object.keys(OPTIONS) as OptionKey[];

export const DEFAULT_OPTIONS: ProcessOptions = {
  grayscale: OPTIONS.grayscale.default,
  width: undefined,
  height: undefined,
  fit: OPTIONS.fit.default,
  enlarge: OPTIONS.enlarge.default,
  rotate: OPTIONS.rotate.default,
  flip: OPTIONS.flip.default,
  flop: OPTIONS.flop.default,
  format: OPTIONS.format.default,
  quality: OPTIONS.quality.default,
};

const TRUE_WORDS = new Set(['true', '1']);
const FALSE_WORDS = new Set(['false', '0']);
const DIGITS = /^[0-9]{1,9}$/;

export type ParseResult = { ok: true; options: ProcessOptions } | { ok: false; error: ContractError };

function invalid(key: string, why: string): ContractError {
  return new ContractError('INVALID_OPTION', `option "${key}": ${why}`);
}

function parseValue(key: OptionKey, raw: string): string | number | boolean | ContractError {
  const spec: OptionSpec = OPTIONS[key];
  switch (spec.kind) {
    case 'boolean':
      if (TRUE_WORDS.has(raw)) return true;
      if (FALSE_WORDS.has(raw)) return false;
      return invalid(key, 'must be one of true, false, 1, 0');
    case 'integer': {
      const range = `must be an integer from ${spec.min} to ${spec.max}`;
      if (!DIGITS.test(raw)) return invalid(key, range);
      const n = Number(raw);
      return n < spec.min || n > spec.max ? invalid(key, range) : n;
    }
    case 'enum': {
      const found = spec.values.find((v) => String(v) === raw);
      return found === undefined ? invalid(key, `must be one of ${spec.values.join(', ')}`) : found;
    }
  }
}

function isOptionKey(key: string): key is OptionKey {
  return Object.hasOwn(OPTIONS, key);
}

/**
 * Parses the query of POST /process. An unknown key, a repeated key or an invalid value is an
 * INVALID_OPTION error whose detail names the key. Pure: no I/O, no clock.
 */
export function parseOptions(params: URLSearchParams): ParseResult {
  const seen = new Set<string>();
  const options: ProcessOptions = { ...DEFAULT_OPTIONS };
  const target = options as unknown as Record<OptionKey, unknown>;
  for (const [key, raw] of params) {
    if (!isOptionKey(key)) {
      return {
        ok: false,
        error: invalid(key, `unknown option; known options are ${OPTION_KEYS.join(', ')}`),
      };
    }
    if (seen.has(key)) return { ok: false, error: invalid(key, 'given more than once') };
    seen.add(key);
    const value = parseValue(key, raw);
    if (value instanceof ContractError) return { ok: false, error: value };
    target[key] = value;
  }
  return { ok: true, options };
}
