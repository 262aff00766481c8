import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { distance } from './distance.js';
import { waitHealthy } from './health.js';
import { multipartBody, multipartOfSize } from './multipart.js';
import { freePort, portFree } from './ports.js';

describe('distance', () => {
  it('is infinite PSNR for equal samples and the textbook figures otherwise', () => {
    expect(distance(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toEqual({
      psnr: Number.POSITIVE_INFINITY,
      mae: 0,
      maxDiff: 0,
    });
    // One sample off by 255 of four: MSE 255²/4, PSNR 10·log10(4) ≈ 6.02 dB.
    const d = distance(new Uint8Array([0, 0, 0, 0]), new Uint8Array([255, 0, 0, 0]));
    expect(d.psnr).toBeCloseTo(6.0206, 4);
    expect(d.mae).toBe(63.75);
    expect(d.maxDiff).toBe(255);
    expect(() => distance(new Uint8Array(2), new Uint8Array(3))).toThrow(/2 samples with 3/);
  });
});

describe('multipartBody', () => {
  it('writes each part with its headers and a closing delimiter', () => {
    const { body, contentType } = multipartBody(
      [
        { name: 'image', filename: 'a.jpg', bytes: new Uint8Array([0xff, 0xd8]) },
        { name: 'note', bytes: Buffer.from('hi'), type: 'text/plain' },
      ],
      'b',
    );
    expect(contentType).toBe('multipart/form-data; boundary=b');
    expect(body.toString('latin1')).toBe(
      '--b\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\r\n' +
        '--b\r\nContent-Disposition: form-data; name="note"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n',
    );
  });

  it('sends a Content-Disposition exactly as given', () => {
    const { body } = multipartBody([
      { name: 'x', disposition: 'form-data; name="a"b"', bytes: new Uint8Array() },
    ]);
    expect(body.toString()).toContain('Content-Disposition: form-data; name="a"b"\r\n');
  });

  it('makes a body of an exact size', () => {
    expect(multipartOfSize(100_000).body.length).toBe(100_000);
  });
});

describe('ports and health', () => {
  it('finds a free port, keeps a free preferred one, and sees a taken one', async () => {
    const port = await freePort();
    expect(await portFree(port)).toBe(true);
    expect(await freePort(port)).toBe(port);
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      expect(await portFree(port)).toBe(false);
      expect(await freePort(port)).not.toBe(port);
      await waitHealthy(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { timeoutMs: 2_000 });
    } finally {
      server.close();
    }
  });

  it('gives up at the deadline, or at once when the process is gone', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    await expect(waitHealthy(url, { timeoutMs: 200 })).rejects.toThrow(/within 200 ms/);
    await expect(waitHealthy(url, { timeoutMs: 5_000, gone: () => 'exited with 1' })).rejects.toThrow(
      'exited with 1',
    );
  });
});
