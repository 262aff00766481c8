import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { chunkedBody, metricFamilies, metricValue, rawExchange } from './requests.js';

const exposition = `# HELP http_requests_total HTTP requests answered.
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/healthz",status="200"} 4
http_requests_total{route="/healthz",status="200",method="GET"} 1
http_requests_total{route="/process",method="POST",status="400"} 2
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1.2345e+07
`;

describe('metricValue', () => {
  it('sums the series whose labels match, in any label order', () => {
    expect(metricValue(exposition, 'http_requests_total', { route: '/healthz', method: 'GET' })).toBe(5);
    expect(metricValue(exposition, 'http_requests_total')).toBe(7);
    expect(metricValue(exposition, 'http_requests_total', { route: '/nope' })).toBeUndefined();
    expect(metricValue(exposition, 'process_resident_memory_bytes')).toBe(12_345_000);
  });

  it('lists the families', () => {
    expect([...metricFamilies(exposition)]).toEqual(['http_requests_total', 'process_resident_memory_bytes']);
  });
});

describe('rawExchange', () => {
  const answer = 'HTTP/1.1 413 Payload Too Large\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}';
  const head = 'POST /process HTTP/1.1\r\nHost: t\r\nContent-Length: 8388608\r\n\r\n';

  /** A TCP server answering every connection with `answer`, then doing `after` to the socket. */
  async function serve(after: (socket: Socket) => void): Promise<{ url: string; server: Server }> {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write(answer, () => after(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    return { url: `http://127.0.0.1:${address.port}`, server };
  }

  it('reads the answer and reports an orderly end when the server drains, then closes', async () => {
    const { url, server } = await serve((socket) => {
      let read = 0;
      socket.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= 8_388_608 + head.length) socket.end();
      });
    });
    const seen = await rawExchange(url, { head, body: new Uint8Array(8_388_608) });
    server.close();
    expect(seen.answer?.status).toBe(413);
    expect(seen.answer?.headers.connection).toBe('close');
    expect(seen.answer?.body.toString()).toBe('{}');
    expect(seen.ending).toBe('end');
    expect(seen.error).toBeUndefined();
    expect(seen.sent).toBe(8_388_608);
  });

  it('reports the reset of a server that closes without reading what the client still sends', async () => {
    // Never reads: 8 MiB cannot all fit in the socket buffers, so the close finds unread bytes.
    const { url, server } = await serve((socket) => {
      socket.pause();
      setTimeout(() => socket.destroy(), 100);
    });
    const seen = await rawExchange(url, { head, body: new Uint8Array(8_388_608) });
    server.close();
    expect(seen.ending).not.toBe('end');
    expect(['ECONNRESET', 'EPIPE']).toContain(seen.ending);
    expect(seen.error).toBe(seen.ending);
    expect(seen.sent).toBeLessThan(8_388_608);
  });
});

describe('rawExchange, a server that ends early', () => {
  it('shows the FIN that came before the body was sent, and the reset of what followed', async () => {
    // Answers, then half-closes at once and closes 200 ms later without reading: what Go's net/http did before
    // lingering closes (a FIN, then a reset for the bytes still coming).
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.pause();
      socket.end('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
      setTimeout(() => socket.destroy(), 200);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('no address');
    const seen = await rawExchange(`http://127.0.0.1:${address.port}`, {
      head: 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 8388608\r\n\r\n',
      body: new Uint8Array(8_388_608),
    });
    server.close();
    expect(seen.answer?.status).toBe(413);
    expect(seen.ending).toBe('end');
    expect(seen.sent).toBeLessThan(8_388_608);
  });
});

describe('body builders', () => {
  it('frames a chunked body that decodes back to the bytes', () => {
    const framed = chunkedBody(new Uint8Array(70_000).fill(7), 65_536).toString('latin1');
    expect(framed.startsWith('10000\r\n')).toBe(true);
    expect(framed).toContain('\r\n1170\r\n');
    expect(framed.endsWith('\r\n0\r\n\r\n')).toBe(true);
    expect(framed.length).toBe(70_000 + '10000\r\n\r\n1170\r\n\r\n0\r\n\r\n'.length);
  });
});
