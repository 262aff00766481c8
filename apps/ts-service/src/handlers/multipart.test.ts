import { loadDispositionVectors } from '@rtip/contract';
import { describe, expect, it } from 'vitest';
import { findImagePart, multipartBoundary, scanIndexOf } from './multipart.js';

const B = 'xyz';
const part = (name: string, content: string, filename = 'a.jpg') =>
  `--${B}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: image/jpeg\r\n\r\n${content}\r\n`;
const body = (...parts: string[]) => Buffer.from(`${parts.join('')}--${B}--\r\n`, 'latin1');

describe('multipart', () => {
  it('reads the boundary, quoted or not', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc')).toBe('abc');
    expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b:c"')).toBe('a b:c');
    expect(multipartBoundary('multipart/form-data')).toBeUndefined();
    expect(multipartBoundary('multipart/form-data; boundary=')).toBeUndefined();
  });

  it('finds the image part among others, bytes intact', () => {
    const bin = '\xff\xd8\xff\r\n--xy\r\n\x00end';
    const got = findImagePart(body(part('note', 'hello'), part('image', bin), part('other', 'x')), B);
    expect(got.toString('latin1')).toBe(bin);
  });

  it('accepts a preamble, and a part without a filename', () => {
    const got = findImagePart(
      Buffer.from(`preamble\r\n${part('image', 'abc').replace('; filename="a.jpg"', '')}--${B}--`),
      B,
    );
    expect(got.toString()).toBe('abc');
  });

  it('does not take filename="image" for name="image"', () => {
    expect(() => findImagePart(body(part('file', 'abc', 'image')), B)).toThrow(
      expect.objectContaining({ code: 'MISSING_IMAGE' }),
    );
  });

  it('returns an empty image part as empty', () => {
    expect(findImagePart(body(part('image', '')), B).byteLength).toBe(0);
  });

  it.each([
    ['no delimiter at all', Buffer.from('just text')],
    ['no closing delimiter', Buffer.from(part('image', 'abc'))],
    ['headers that never end', Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="image"`)],
    ['garbage after the delimiter', Buffer.from(`--${B}garbage\r\n\r\nabc\r\n--${B}--`)],
  ])('%s is INVALID_REQUEST', (_name, input) => {
    expect(() => findImagePart(input, B)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });

  it('two image parts are INVALID_REQUEST, none is MISSING_IMAGE', () => {
    expect(() => findImagePart(body(part('image', 'a'), part('image', 'b')), B)).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST' }),
    );
    expect(() => findImagePart(body(part('file', 'a')), B)).toThrow(
      expect.objectContaining({ code: 'MISSING_IMAGE' }),
    );
  });

  it('two Content-Disposition headers in one part are INVALID_REQUEST', () => {
    const twice = `--${B}\r\nContent-Disposition: form-data; name="x"\r\nContent-Disposition: form-data; name="image"\r\n\r\nabc\r\n`;
    expect(() => findImagePart(body(twice), B)).toThrow(
      expect.objectContaining({
        code: 'INVALID_REQUEST',
        detail: 'Malformed multipart body: more than one Content-Disposition.',
      }),
    );
  });

  it('a part without Content-Disposition is not a form field', () => {
    const bare = `--${B}\r\nContent-Type: image/jpeg\r\n\r\nabc\r\n`;
    expect(() => findImagePart(body(bare), B)).toThrow(expect.objectContaining({ code: 'MISSING_IMAGE' }));
    expect(findImagePart(body(bare, part('image', 'def')), B).toString()).toBe('def');
  });
});

describe('multipart: Content-Disposition, every case of the contract vectors', () => {
  // The header bytes are the vector's characters, one byte each (latin1), as a part header arrives.
  const withHeader = (header: string) =>
    body(`--${B}\r\nContent-Disposition: ${header}\r\nContent-Type: image/jpeg\r\n\r\nabc\r\n`);

  for (const c of loadDispositionVectors()) {
    it(`${JSON.stringify(c.header)} → ${JSON.stringify(c.expect)}`, () => {
      const find = () => findImagePart(withHeader(c.header), B);
      if (c.expect === 'malformed') {
        expect(find).toThrow(
          expect.objectContaining({
            code: 'INVALID_REQUEST',
            detail: 'Malformed multipart body: malformed Content-Disposition.',
          }),
        );
      } else if (c.expect !== 'other' && c.expect.name === 'image') {
        expect(find().toString()).toBe('abc');
      } else {
        // Another disposition type, or a form field with another name (or none): not the image.
        expect(find).toThrow(expect.objectContaining({ code: 'MISSING_IMAGE' }));
      }
    });
  }

  it('a raw UTF-8 file name is accepted', () => {
    const header = Buffer.concat([
      Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="image"; filename="`),
      Buffer.from('日本語 café.jpg', 'utf8'),
      Buffer.from(`"\r\n\r\nabc\r\n--${B}--\r\n`),
    ]);
    expect(findImagePart(header, B).toString()).toBe('abc');
  });
});

describe('scanIndexOf (the delimiter search on Deno)', () => {
  it('finds what Buffer#indexOf finds, at every start, in bodies full of near misses', () => {
    // A small alphabet makes partial matches and overlapping candidates common.
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const alphabet = Buffer.from('\r\n-ab');
    for (let round = 0; round < 300; round++) {
      const haystack = Buffer.from(Array.from({ length: next() % 64 }, () => alphabet[next() % 5] as number));
      const needle = Buffer.from(
        Array.from({ length: 1 + (next() % 5) }, () => alphabet[next() % 5] as number),
      );
      for (let from = 0; from <= haystack.length + 1; from++) {
        expect(
          scanIndexOf(haystack, needle, from),
          `${haystack.toString('hex')} ${needle.toString('hex')} ${from}`,
        ).toBe(haystack.indexOf(needle, from));
      }
    }
  });

  it('finds a needle at the start and at the very end, and none that runs past the end', () => {
    const body = Buffer.from('\r\n--b\r\nxx\r\n--b');
    expect(scanIndexOf(body, Buffer.from('\r\n--b'))).toBe(0);
    expect(scanIndexOf(body, Buffer.from('\r\n--b'), 1)).toBe(body.length - 5);
    expect(scanIndexOf(body, Buffer.from('\r\n--bc'), 1)).toBe(-1);
  });
});
