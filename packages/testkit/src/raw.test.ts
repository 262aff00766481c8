import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chunkedBody,
  frameChunk,
  parseAnswer,
  parseAnswers,
  rawExchange,
  requestHead,
  until,
} from './raw.js';

const answer = 'HTTP/1.1 413 Payload Too Large\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}';
const head = 'POST /process HTTP/1.1\r\nHost: t\r\nContent-Length: 8388608\r\n\r\n';

/** Servers of the running test, closed after it. */
const servers: { close: () => void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A TCP server on 127.0.0.1 that hands every connection to `handle`. */
async function serve(handle: (socket: Socket) => void): Promise<{ port: number; url: string }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { port: address.port, url: `http://127.0.0.1:${address.port}` };
}

/** Answers every connection with `answer`, then does `after` to the socket. */
const answering = (after: (socket: Socket) => void) =>
  serve((socket) => socket.write(answer, () => after(socket)));

describe('rawExchange', () => {
  it('reads the answer and reports an orderly end when the server drains, then closes', async () => {
    const { url } = await answering((socket) => {
      let read = 0;
      socket.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= 8_388_608 + head.length) socket.end();
      });
    });
    const seen = await rawExchange(url, { head, body: new Uint8Array(8_388_608) });
    expect(seen.answer?.status).toBe(413);
    expect(seen.answer?.headers.connection).toBe('close');
    expect(seen.answer?.headerNames).toEqual(['Content-Length', 'Connection']);
    expect(Buffer.isBuffer(seen.answer?.body)).toBe(true);
    expect(seen.answer?.body.toString()).toBe('{}');
    expect(seen.ending).toBe('end');
    expect(seen.error).toBeUndefined();
    expect(seen.sent).toBe(8_388_608);
    expect(seen.received.toString('latin1')).toBe(answer);
    expect(seen.answeredAfterMs).toBeGreaterThanOrEqual(0);
    expect(seen.endedAfterMs).toBeGreaterThanOrEqual(0);
  });

  it('reports the reset of a server that closes without reading what the client still sends', async () => {
    // Never reads: 8 MiB cannot all fit in the socket buffers, so the close finds unread bytes.
    const { url } = await answering((socket) => {
      socket.pause();
      setTimeout(() => socket.destroy(), 100);
    });
    const seen = await rawExchange(url, { head, body: new Uint8Array(8_388_608) });
    expect(seen.answer?.status).toBe(413);
    expect(seen.ending).not.toBe('end');
    expect(['ECONNRESET', 'EPIPE']).toContain(seen.ending);
    expect(seen.error).toBe(seen.ending);
    expect(seen.sent).toBeLessThan(8_388_608);
  });

  it('shows the FIN that came before the body was sent, and the reset of what followed', async () => {
    // Answers, then half-closes at once and closes 200 ms later without reading: what Go's net/http did before
    // lingering closes (a FIN, then a reset for the bytes still coming).
    const { url } = await serve((socket) => {
      socket.pause();
      socket.end(answer);
      setTimeout(() => socket.destroy(), 200);
    });
    const seen = await rawExchange(url, {
      head: 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 8388608\r\n\r\n',
      body: new Uint8Array(8_388_608),
    });
    expect(seen.answer?.status).toBe(413);
    expect(seen.ending).toBe('end');
    expect(seen.sent).toBeLessThan(8_388_608);
  });

  it('sends exactly the bytes given, a string head one byte per character, and takes a port', async () => {
    let got = Buffer.alloc(0);
    const { port } = await serve((socket) => {
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length >= 12 + 4) socket.end(answer);
      });
    });
    // Not HTTP at all: a TLS hello's first bytes, 0xfc included.
    const seen = await rawExchange(port, {
      head: '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\xff',
      body: Buffer.from('body'),
    });
    expect([...got]).toEqual([0x16, 3, 1, 2, 0, 1, 0, 1, 0xfc, 3, 3, 0xff, ...Buffer.from('body')]);
    expect(seen.answer?.status).toBe(413);
    expect(seen.sent).toBe(4);

    got = Buffer.alloc(0);
    await rawExchange(port, { head: Buffer.from('GET /café HTTP/1.1\r\n\r\n'), timeoutMs: 2_000 });
    expect(got.toString('utf8')).toBe('GET /café HTTP/1.1\r\n\r\n');
  });

  it('trickles after the body until the server ends the connection, counting what it wrote', async () => {
    let got = '';
    const { url } = await serve((socket) => {
      socket.on('data', (chunk: Buffer) => {
        got += chunk.toString('latin1');
        if ((got.match(/X-Slow: 1\r\n/g) ?? []).length === 3) socket.end(answer);
      });
    });
    const trickled = Buffer.from('X-Slow: 1\r\n');
    const seen = await rawExchange(url, {
      head: 'GET / HTTP/1.1\r\n',
      body: Buffer.from('Host: t\r\n'),
      trickle: { chunk: trickled, everyMs: 20 },
    });
    expect(got).toBe(`GET / HTTP/1.1\r\nHost: t\r\n${'X-Slow: 1\r\n'.repeat(3)}`);
    expect(seen.answer?.status).toBe(413);
    expect(seen.ending).toBe('end');
    expect(seen.sent).toBe(9 + 3 * trickled.length);
    // Three ticks of 20 ms came before the answer.
    expect(seen.answeredAfterMs).toBeGreaterThanOrEqual(50);
  });

  it('times the end from the answer, or from the start when there is none', async () => {
    const late = await serve((socket) => socket.write(answer, () => setTimeout(() => socket.end(), 200)));
    const answered = await rawExchange(late.url, { head: 'GET / HTTP/1.1\r\nHost: t\r\n\r\n' });
    expect(answered.answeredAfterMs).toBeLessThan(150);
    expect(answered.endedAfterMs).toBeGreaterThanOrEqual(190);

    const silent = await serve((socket) => setTimeout(() => socket.end(), 200));
    const nothing = await rawExchange(silent.port, { head: '' });
    expect(nothing.answer).toBeUndefined();
    expect(nothing.answeredAfterMs).toBeNaN();
    expect(nothing.endedAfterMs).toBeGreaterThanOrEqual(190);
    expect(nothing.ending).toBe('end');
    expect(nothing.received.length).toBe(0);
  });

  it('keeps everything received after the answer, and no answer without a whole one', async () => {
    const { port } = await serve((socket) => socket.end(`${answer}HTTP/1.1 200 OK\r\n\r\n`));
    const seen = await rawExchange(port, { head: '' });
    expect(seen.answer?.status).toBe(413);
    expect(seen.received.toString()).toBe(`${answer}HTTP/1.1 200 OK\r\n\r\n`);

    const cut = await serve((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    const partial = await rawExchange(cut.port, { head: '' });
    expect(partial.answer).toBeUndefined();
    expect(partial.ending).toBe('end');
  });

  it('reports a reset before any answer', async () => {
    const { port } = await serve((socket) => setTimeout(() => socket.resetAndDestroy(), 20));
    const seen = await rawExchange(port, { head: 'GET / HTTP/1.1\r\n' });
    expect(seen.answer).toBeUndefined();
    expect(seen.ending).toBe('ECONNRESET');
    expect(seen.error).toBe('ECONNRESET');
  });

  it('rejects when the connection has not ended by its deadline', async () => {
    const { url } = await serve((socket) => socket.write('HTTP/1.1 200 OK\r\n'));
    await expect(rawExchange(url, { head: 'GET / HTTP/1.1\r\n\r\n', timeoutMs: 200 })).rejects.toThrow(
      /not ended within 200 ms \(answer undefined, sent 0\); received "HTTP\/1\.1 200 OK\\r\\n"/,
    );
  });
});

describe('rawExchange with a server that may keep the connection', () => {
  const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

  it('reports a connection kept open after the answer as open, openMs after the answer', async () => {
    const { url } = await serve((socket) => socket.write(ok));
    const seen = await rawExchange(url, { head: 'GET / HTTP/1.1\r\nHost: t\r\n\r\n', openMs: 100 });
    expect(seen.answer?.status).toBe(200);
    expect(seen.ending).toBe('open');
    expect(seen.endedAfterMs).toBeGreaterThanOrEqual(90);
    expect(seen.endedAfterMs).toBeLessThan(1_000);
  });

  it('gives up answerMs after the start while no answer has come', async () => {
    const { url } = await serve(() => undefined);
    const seen = await rawExchange(url, { head: 'GET / HTTP/1.1\r\n\r\n', answerMs: 100, openMs: 5_000 });
    expect(seen.status).toBeUndefined();
    expect(seen.ending).toBe('open');
    expect(seen.answeredAfterMs).toBeNaN();
    expect(seen.endedAfterMs).toBeGreaterThanOrEqual(90);
    expect(seen.endedAfterMs).toBeLessThan(1_000);
  });

  it('counts a bare answer (no Content-Length) as in once its head is, after a 100 Continue', async () => {
    const { url } = await serve((socket) =>
      socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'),
    );
    const seen = await rawExchange(url, { head: 'GET / HTTP/1.1\r\n\r\n', openMs: 100 });
    expect(seen).toMatchObject({ interim: [100], status: 400, ending: 'open' });
    expect(seen.answer).toBeUndefined();
    expect(seen.answeredAfterMs).toBeGreaterThanOrEqual(0);
    expect(seen.endedAfterMs).toBeGreaterThanOrEqual(90);
  });

  it('sends `afterBody` after the body and reads the next answer, and reports the end', async () => {
    let got = '';
    const { url } = await serve((socket) => {
      socket.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (got.endsWith('\r\n\r\n') && got.includes('GET /next')) socket.end(`${ok}${ok}`);
      });
    });
    const seen = await rawExchange(url, {
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
});

describe('parseAnswer', () => {
  it('waits for the head and Content-Length bytes of body, and keeps header names as sent', () => {
    const whole = Buffer.from(
      'HTTP/1.1 200 OK\r\nX-Id: 1\r\ncontent-length: 3\r\nSet-Cookie: a\r\nSet-Cookie: b\r\n\r\nabcHTTP/1.1',
    );
    expect(parseAnswer(whole.subarray(0, 20))).toBeUndefined();
    expect(parseAnswer(whole.subarray(0, whole.indexOf('abc') + 2))).toBeUndefined();
    const parsed = parseAnswer(whole);
    expect(parsed?.status).toBe(200);
    expect(parsed?.headerNames).toEqual(['X-Id', 'content-length', 'Set-Cookie', 'Set-Cookie']);
    expect(parsed?.headers).toEqual({ 'x-id': '1', 'content-length': '3', 'set-cookie': 'b' });
    expect(parsed?.body).toEqual(Buffer.from('abc'));
  });

  it('never finds a whole answer without a Content-Length', () => {
    expect(parseAnswer(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'))).toBeUndefined();
    expect(parseAnswer(Buffer.from('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'))).toBeUndefined();
  });
});

describe('parseAnswers', () => {
  const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
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

describe('body and head builders', () => {
  it('frames a chunked body that decodes back to the bytes', () => {
    const framed = chunkedBody(new Uint8Array(70_000).fill(7), 65_536).toString('latin1');
    expect(framed.startsWith('10000\r\n')).toBe(true);
    expect(framed).toContain('\r\n1170\r\n');
    expect(framed.endsWith('\r\n0\r\n\r\n')).toBe(true);
    expect(framed.length).toBe(70_000 + '10000\r\n\r\n1170\r\n\r\n0\r\n\r\n'.length);
  });

  it('frames one chunk, a body as one chunk, and an empty body', () => {
    expect(frameChunk(Buffer.from('abcdefghijklmnopq')).toString()).toBe('11\r\nabcdefghijklmnopq\r\n');
    expect(chunkedBody(Buffer.from('abc'), 3).toString()).toBe('3\r\nabc\r\n0\r\n\r\n');
    expect(chunkedBody(new Uint8Array()).toString()).toBe('0\r\n\r\n');
  });

  it('builds a request head, Host first, headers in order', () => {
    expect(requestHead('/process', { 'Content-Type': 'image/jpeg', 'Content-Length': '3' })).toBe(
      'POST /process HTTP/1.1\r\nHost: test\r\nContent-Type: image/jpeg\r\nContent-Length: 3\r\n\r\n',
    );
    expect(
      requestHead(
        '/x',
        [
          ['Content-Length', '3'],
          ['Content-Length', '4'],
        ],
        { method: 'PUT', host: '127.0.0.1:8080' },
      ),
    ).toBe('PUT /x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n');
    expect(requestHead('/healthz', {}, { method: 'GET' })).toBe(
      'GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n',
    );
  });
});

describe('until', () => {
  it('waits for a check, also an async one, to hold', async () => {
    let calls = 0;
    await until(() => ++calls === 3);
    expect(calls).toBe(3);
    const ready = performance.now() + 50;
    await until(async () => performance.now() > ready, 1_000, { everyMs: 10 });
    expect(performance.now()).toBeGreaterThan(ready);
  });

  it('fails at its deadline, naming what it waited for', async () => {
    await expect(until(() => false, 50)).rejects.toThrow('condition not met within 50 ms');
    await expect(until(async () => false, 50, { what: 'two lingering' })).rejects.toThrow(
      'two lingering not met within 50 ms',
    );
  });
});
