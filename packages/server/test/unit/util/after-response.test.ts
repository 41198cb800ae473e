import { EventEmitter } from 'node:events';
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { afterResponseOf } from '../../../src/util/after-response.js';

/** A stand-in with the two things afterResponseOf reads: `closed` and the 'close' event. */
function response() {
  const res = new EventEmitter() as EventEmitter & { closed: boolean };
  res.closed = false;
  const close = () => {
    res.closed = true;
    res.emit('close');
  };
  return { res: res as unknown as ServerResponse, close };
}

describe('afterResponseOf', () => {
  it('holds work until the response is out, then runs it once', () => {
    const { res, close } = response();
    const ran: string[] = [];
    afterResponseOf(res)(() => ran.push('deliver'));
    expect(ran).toEqual([]);
    close();
    close();
    expect(ran).toEqual(['deliver']);
  });

  it('runs work at once when the response is already out', () => {
    const { res, close } = response();
    close();
    const ran: string[] = [];
    afterResponseOf(res)(() => ran.push('deliver'));
    expect(ran).toEqual(['deliver']);
  });

  it('keeps the work of two responses apart', () => {
    const [a, b] = [response(), response()];
    const ran: string[] = [];
    afterResponseOf(a.res)(() => ran.push('a'));
    afterResponseOf(b.res)(() => ran.push('b'));
    b.close();
    expect(ran).toEqual(['b']);
    a.close();
    expect(ran).toEqual(['b', 'a']);
  });

  it('on a real HTTP response: after the answer is written, also when handed over before it is sent', async () => {
    const order: string[] = [];
    const server = createServer((_req, res) => {
      afterResponseOf(res)(() => order.push('work'));
      res.once('finish', () => order.push('answer written'));
      res.end('receipt');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) =>
        request({ port, host: '127.0.0.1' }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        })
          .on('error', reject)
          .end(),
      );
      expect(body).toBe('receipt');
      await new Promise((r) => setTimeout(r, 20));
      expect(order).toEqual(['answer written', 'work']);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
