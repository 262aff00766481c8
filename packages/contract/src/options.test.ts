import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, OPTION_KEYS, parseOptions } from './options.js';

const parse = (query: string) => parseOptions(new URLSearchParams(query));

function expectInvalid(query: string, key: string) {
  const result = parse(query);
  expect(result.ok, query).toBe(false);
  if (result.ok) return;
  expect(result.error.code).toBe('INVALID_OPTION');
  expect(result.error.status).toBe(400);
  expect(result.error.detail).toContain(`"${key}"`);
}

describe('parseOptions', () => {
  it('gives the defaults of the contract for an empty query', () => {
    expect(parse('')).toEqual({ ok: true, options: DEFAULT_OPTIONS });
    expect(DEFAULT_OPTIONS).toEqual({
      grayscale: true,
      width: undefined,
      height: undefined,
      fit: 'inside',
      enlarge: false,
      rotate: 0,
      flip: false,
      flop: false,
      format: 'jpeg',
      quality: 80,
    });
  });

  it.each(['grayscale', 'enlarge', 'flip', 'flop'] as const)('reads the boolean %s', (key) => {
    for (const [raw, value] of [
      ['true', true],
      ['1', true],
      ['false', false],
      ['0', false],
    ] as const) {
      const result = parse(`${key}=${raw}`);
      expect(result.ok && result.options[key]).toBe(value);
    }
    for (const bad of ['yes', 'TRUE', 'on', '', '2', ' true'])
      expectInvalid(`${key}=${encodeURIComponent(bad)}`, key);
  });

  it.each([
    ['width', 1, 8192],
    ['height', 1, 8192],
    ['quality', 1, 100],
  ] as const)('reads the integer %s in %i..%i', (key, min, max) => {
    for (const n of [min, max, Math.floor((min + max) / 2)]) {
      const result = parse(`${key}=${n}`);
      expect(result.ok && result.options[key]).toBe(n);
    }
    for (const bad of [
      String(min - 1),
      String(max + 1),
      'abc',
      '-5',
      '+5',
      '1.5',
      '1e3',
      '',
      ' 5',
      '0x10',
      '99999999999',
    ]) {
      expectInvalid(`${key}=${encodeURIComponent(bad)}`, key);
    }
  });

  it('reads fit, rotate and format from their value lists', () => {
    for (const fit of ['inside', 'cover', 'fill'] as const)
      expect(parse(`fit=${fit}`)).toMatchObject({ options: { fit } });
    for (const rotate of [0, 90, 180, 270])
      expect(parse(`rotate=${rotate}`)).toMatchObject({ options: { rotate } });
    for (const format of ['jpeg', 'png'] as const)
      expect(parse(`format=${format}`)).toMatchObject({ options: { format } });
    for (const bad of ['contain', 'Inside', '']) expectInvalid(`fit=${bad}`, 'fit');
    for (const bad of ['45', '-90', '360', '90.0', '']) expectInvalid(`rotate=${bad}`, 'rotate');
    for (const bad of ['webp', 'JPEG', 'jpg', '']) expectInvalid(`format=${bad}`, 'format');
  });

  it('rejects an unknown key and names it', () => {
    expectInvalid('foo=1', 'foo');
    expectInvalid('Width=100', 'Width');
  });

  it('rejects a repeated key and names it', () => {
    for (const key of OPTION_KEYS) expectInvalid(`${key}=1&${key}=1`, key);
  });

  it('reads every option at once', () => {
    expect(
      parse(
        'grayscale=false&width=200&height=150&fit=cover&enlarge=1&rotate=90&flip=1&flop=0&format=png&quality=90',
      ),
    ).toEqual({
      ok: true,
      options: {
        grayscale: false,
        width: 200,
        height: 150,
        fit: 'cover',
        enlarge: true,
        rotate: 90,
        flip: true,
        flop: false,
        format: 'png',
        quality: 90,
      },
    });
  });
});
