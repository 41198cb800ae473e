import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { afterResponse, runWithAfterResponse } from '../../../src/util/after-response.js';

const response = () => new EventEmitter() as unknown as ServerResponse;

describe('afterResponse', () => {
  it('holds work queued while a request is handled until its response is out, then runs it once', async () => {
    const res = response();
    const ran: string[] = [];
    await new Promise<void>((done) =>
      runWithAfterResponse(res, async () => {
        // Across awaits, as a route handler queues it deep inside a service.
        await Promise.resolve();
        expect(afterResponse(() => ran.push('deliver'))).toBe(true);
        done();
      }),
    );
    expect(ran).toEqual([]);
    res.emit('close');
    res.emit('close');
    expect(ran).toEqual(['deliver']);
  });

  it('outside such a request it queues nothing, and the caller does the work now', () => {
    expect(afterResponse(() => undefined)).toBe(false);
  });

  it('keeps the work of two requests apart', () => {
    const [a, b] = [response(), response()];
    const ran: string[] = [];
    runWithAfterResponse(a, () => afterResponse(() => ran.push('a')));
    runWithAfterResponse(b, () => afterResponse(() => ran.push('b')));
    b.emit('close');
    expect(ran).toEqual(['b']);
    a.emit('close');
    expect(ran).toEqual(['b', 'a']);
  });
});
