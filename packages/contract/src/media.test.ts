import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseMediaType, REQUEST_ID_PATTERN, sniffFormat } from './media.js';
import { FIXTURES_DIR } from './paths.js';

const fixture = (name: string) => readFileSync(join(FIXTURES_DIR, name));

describe('sniffFormat', () => {
  it('recognises the four accepted formats by their bytes', () => {
    expect(sniffFormat(fixture('photo-hd.jpg'))).toBe('jpeg');
    expect(sniffFormat(fixture('photo-progressive.jpg'))).toBe('jpeg');
    expect(sniffFormat(fixture('photo.png'))).toBe('png');
    expect(sniffFormat(fixture('photo.webp'))).toBe('webp');
    expect(sniffFormat(fixture('photo.gif'))).toBe('gif');
  });

  it('refuses everything else', () => {
    expect(sniffFormat(fixture('not-an-image.jpg'))).toBeUndefined();
    expect(sniffFormat(new Uint8Array())).toBeUndefined();
    expect(sniffFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffFormat(Buffer.from('II*\0'))).toBeUndefined();
    expect(sniffFormat(Buffer.from('BM6\0'))).toBeUndefined();
    expect(sniffFormat(Buffer.from('RIFF\0\0\0\0WAVE'))).toBeUndefined();
    expect(sniffFormat(Buffer.from([0xff, 0xd8]))).toBeUndefined();
  });
});

describe('media types and request ids', () => {
  it('drops parameters and case', () => {
    expect(baseMediaType('Image/JPEG; name=x')).toBe('image/jpeg');
    expect(baseMediaType(undefined)).toBe('');
  });

  it('accepts the request ids of the contract only', () => {
    expect(REQUEST_ID_PATTERN.test('abc-DEF_1.2')).toBe(true);
    expect(REQUEST_ID_PATTERN.test('x'.repeat(128))).toBe(true);
    expect(REQUEST_ID_PATTERN.test('x'.repeat(129))).toBe(false);
    expect(REQUEST_ID_PATTERN.test('')).toBe(false);
    expect(REQUEST_ID_PATTERN.test('a b')).toBe(false);
    expect(REQUEST_ID_PATTERN.test('a\nb')).toBe(false);
  });
});
