import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { exchange, parseAnswers } from './raw.js';

const servers: { close: () => void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A TCP server on 127.0.0.1 that hands every connection to `handle`. */
async function serve(handle: (socket: Socket) => void): Promise<string> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

describe('parseAnswers', () => {
  it('reads interim answers, a bare final one, and the answer after a whole one', () => {
    const bare = parseAnswers(
      Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'),
    );
    expect(bare).toMatchObject({ interim: [100], status: 400, headers: { connection: 'close' } });
    expect(bare.answer).toBeUndefined();
    const two = parseAnswers(Buffer.from(`${ok}${ok.replace('200 OK', '404 Not Found')}`));
    expect(two.interim).toEqual([]);
    expect(two.answer?.status).toBe(200);
    expect(two.next?.status).toBe(404);
    expect(parseAnswers(Buffer.from('HTTP/1.1 200 OK\r\n'))).toEqual({ interim: [] });
  });
});

describe('exchange', () => {
  it('reports a connection the server keeps open after its answer as open, openMs after the answer', async () => {
    const url = await serve((socket) => socket.write(ok));
    const seen = await exchange(url, { head: 'GET / HTTP/1.1\r\nHost: t\r\n\r\n', openMs: 100 });
    expect(seen.answer?.status).toBe(200);
    expect(seen.ending).toBe('open');
    expect(seen.endedAfterMs).toBeGreaterThanOrEqual(90);
  });

  it('sends `afterBody` after the body and reads the next answer, and reports the end', async () => {
    let got = '';
    const url = await serve((socket) => {
      socket.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (got.endsWith('\r\n\r\n') && got.includes('GET /next')) socket.end(`${ok}${ok}`);
      });
    });
    const seen = await exchange(url, {
      head: 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\n',
      body: Buffer.from('body'),
      afterBody: 'GET /next HTTP/1.1\r\nHost: t\r\n\r\n',
      openMs: 2_000,
    });
    expect(got).toBe(
      'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbodyGET /next HTTP/1.1\r\nHost: t\r\n\r\n',
    );
    expect(seen.sent).toBe(4);
    expect(seen.next?.status).toBe(200);
    expect(seen.ending).toBe('end');
  });

  it('reports a close without an answer', async () => {
    const url = await serve((socket) => socket.end());
    const seen = await exchange(url, { head: 'GET / HTTP/1.1\r\n\r\n', openMs: 1_000 });
    expect(seen.status).toBeUndefined();
    expect(seen.received.length).toBe(0);
    expect(seen.ending).toBe('end');
  });
});
