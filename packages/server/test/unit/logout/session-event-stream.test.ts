/**
 * Which end an open page hears (logout/session-event-stream.ts), without HTTP or a database: the logged event
 * after Last-Event-ID first, a session that ended before the log knew of it next, else the live event, once.
 */
import { describe, expect, it } from 'vitest';
import type { SessionEndedEvent } from '../../../src/logout/session-event-bus.js';
import {
  SessionEventStreams,
  type SessionEventStreamDeps,
} from '../../../src/logout/session-event-stream.js';

function fixture(over: Partial<SessionEventStreamDeps> = {}) {
  const listeners = new Set<(e: SessionEndedEvent) => void>();
  const pushes: string[] = [];
  const deps: SessionEventStreamDeps = {
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    loggedAfter: async () => undefined,
    sessionEnd: async () => ({ ended: false, reason: null }),
    recordPush: async (logoutId, clientId) => {
      pushes.push(`${logoutId} ${clientId}`);
    },
    now: () => 1000,
    log: { warn: () => undefined },
    ...over,
  };
  const emit = (e: SessionEndedEvent) => [...listeners].forEach((l) => l(e));
  return { streams: new SessionEventStreams(deps), emit, listeners, pushes };
}

const watcher = { sid: 'sid1', userId: 'u1', clientId: 'app' };
const ended = (id: number, sid = 'sid1'): SessionEndedEvent => ({
  id,
  sid,
  userId: 'u1',
  reason: 'user',
  logoutId: `lo${id}`,
});

describe('session events push: what an open page hears', () => {
  it('an event logged after Last-Event-ID is replayed, once, and the push is recorded', async () => {
    const { streams, emit, pushes } = fixture({
      loggedAfter: async (after, sid) => (after === 4 && sid === 'sid1' ? ended(5) : undefined),
    });
    const heard: SessionEndedEvent[] = [];
    const w = streams.watch(watcher, 4, (e) => heard.push(e));
    await w.replayed;
    emit(ended(6));
    expect(heard.map((e) => e.id)).toEqual([5]);
    expect(pushes).toEqual(['lo5 app']);
  });

  it('a session that ended before the log knew of it is still announced, with its reason', async () => {
    const { streams } = fixture({ sessionEnd: async () => ({ ended: true, reason: 'expired' }) });
    const heard: SessionEndedEvent[] = [];
    await streams.watch(watcher, 7, (e) => heard.push(e)).replayed;
    expect(heard).toEqual([{ id: 7, sid: 'sid1', userId: 'u1', reason: 'expired', logoutId: null }]);
  });

  it('an unknown session is announced as ended, reason unknown', async () => {
    const { streams } = fixture({ sessionEnd: async () => undefined });
    const heard: SessionEndedEvent[] = [];
    await streams.watch(watcher, 0, (e) => heard.push(e)).replayed;
    expect(heard[0]?.reason).toBe('unknown');
  });

  it('an event landing while the log is read is not lost; other sessions are not heard', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { streams, emit } = fixture({
      loggedAfter: async () => {
        await gate;
        return undefined;
      },
    });
    const heard: SessionEndedEvent[] = [];
    const w = streams.watch(watcher, 0, (e) => heard.push(e));
    emit(ended(8, 'other'));
    emit(ended(9));
    expect(heard).toEqual([]);
    release();
    await w.replayed;
    expect(heard.map((e) => e.id)).toEqual([9]);
  });

  it('live: the first event is delivered and nothing after it; stop unsubscribes', async () => {
    const { streams, emit, listeners } = fixture();
    const heard: SessionEndedEvent[] = [];
    const w = streams.watch(watcher, 0, (e) => heard.push(e));
    await w.replayed;
    emit(ended(10));
    emit(ended(11));
    expect(heard.map((e) => e.id)).toEqual([10]);
    w.stop();
    expect(listeners.size).toBe(0);
  });

  it('a closed stream hears nothing', async () => {
    const { streams, emit } = fixture();
    const heard: SessionEndedEvent[] = [];
    const w = streams.watch(watcher, 0, (e) => heard.push(e));
    await w.replayed;
    w.stop();
    emit(ended(12));
    expect(heard).toEqual([]);
  });
});
