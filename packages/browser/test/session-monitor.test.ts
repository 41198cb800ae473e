import { describe, expect, it, vi } from 'vitest';
import { startSessionMonitor, type MonitorHost } from '../src/session-monitor.js';
import type { AccountInfo } from '../src/account.js';
import { AdieuError, InteractionRequiredAuthError } from '../src/errors.js';
import { ISSUER } from './fakes.js';

/** A scripted EventSource: tests open, fail or deliver events on the last instance. */
class FakeEventSource extends EventTarget {
  static instances: FakeEventSource[] = [];
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    super();
    FakeEventSource.instances.push(this);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.onopen?.();
  }
  fail() {
    this.onerror?.();
  }
  send(type: string, data: unknown, lastEventId = '') {
    this.dispatchEvent(Object.assign(new Event(type), { data: JSON.stringify(data), lastEventId }));
  }
}

const alice: AccountInfo = {
  homeAccountId: 'user-alice',
  environment: 'idp.example',
  tenantId: '',
  username: 'alice',
  localAccountId: 'user-alice',
  sid: 's1',
  issuer: ISSUER,
};

function host(ticketStatus: number[] | number, over: Partial<MonitorHost> = {}) {
  let accounts = [alice];
  const statuses = Array.isArray(ticketStatus) ? [...ticketStatus] : [];
  const listeners = new Set<() => void>();
  const ended: { sid: string; reason: string | undefined }[] = [];
  const tokens: boolean[] = [];
  const fetchCalls: { url: string; auth: string | null }[] = [];
  FakeEventSource.instances = [];
  const h: MonitorHost = {
    clientId: 'spa',
    issuer: ISSUER,
    fetch: (async (url: RequestInfo | URL, init?: RequestInit) => {
      fetchCalls.push({ url: String(url), auth: new Headers(init?.headers).get('authorization') });
      const status = Array.isArray(ticketStatus) ? (statuses.shift() ?? 200) : ticketStatus;
      return new Response(
        JSON.stringify(status === 200 ? { ticket: `t${fetchCalls.length}`, expires_in: 60 } : {}),
        {
          status,
        },
      );
    }) as typeof fetch,
    accounts: () => accounts,
    accessToken: async (_a, force) => {
      tokens.push(force);
      return 'at';
    },
    sessionEnded: async (sid, reason) => {
      ended.push({ sid, reason });
      accounts = [];
      for (const l of listeners) l();
    },
    onAccountsChanged: (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    EventSource: FakeEventSource as unknown as typeof EventSource,
    ...over,
  };
  return { h, ended, tokens, fetchCalls, setAccounts: (a: AccountInfo[]) => (accounts = a) };
}

describe('session monitor', () => {
  it('buys a ticket with the access token, listens, and ends the session on session_ended for its sid', async () => {
    const t = host(200);
    const m = startSessionMonitor(t.h);
    await vi.waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    expect(t.fetchCalls[0]).toEqual({ url: `${ISSUER}/session/events/ticket`, auth: 'Bearer at' });
    const es = FakeEventSource.instances[0]!;
    expect(es.url).toBe(`${ISSUER}/session/events?ticket=t1`);
    es.open();
    expect(m.status.s1).toBe('push');
    es.send('session_ended', { sid: 'other', reason: 'rp' }); // not ours: ignored
    expect(t.ended).toEqual([]);
    es.send('session_ended', { sid: 's1', reason: 'admin' }, '42');
    await vi.waitFor(() => expect(t.ended).toEqual([{ sid: 's1', reason: 'admin' }]));
    expect(es.closed).toBe(true);
    await vi.waitFor(() => expect(m.status.s1).toBe('ended'));
    m.stop();
  });

  it('reconnects with a new ticket (the old one is spent) after a drop', async () => {
    const t = host(200);
    const m = startSessionMonitor(t.h);
    await vi.waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    FakeEventSource.instances[0]!.open();
    FakeEventSource.instances[0]!.fail();
    await vi.waitFor(() => expect(FakeEventSource.instances).toHaveLength(2), { timeout: 3_000 });
    expect(FakeEventSource.instances[0]!.closed).toBe(true);
    expect(FakeEventSource.instances[1]!.url).toContain('ticket=t2');
    m.stop();
    expect(FakeEventSource.instances[1]!.closed).toBe(true);
  });

  it('a fresh token refused twice means the session is already over', async () => {
    const t = host([401, 401]);
    const m = startSessionMonitor(t.h);
    await vi.waitFor(() => expect(t.ended).toEqual([{ sid: 's1', reason: undefined }]));
    expect(t.tokens).toEqual([false, true]); // the second attempt forced a refresh
    m.stop();
  });

  it('without the push endpoint (404) it falls back to refreshing; a refused refresh ends it', async () => {
    let refreshes = 0;
    const t = host(404, {
      accessToken: async (_a, force) => {
        if (!force) return 'at';
        refreshes++;
        throw new InteractionRequiredAuthError('invalid_grant: the sign-in session has ended');
      },
    });
    const m = startSessionMonitor(t.h, { pollInterval: 20 });
    await vi.waitFor(() => expect(refreshes).toBe(1));
    await vi.waitFor(() => expect(m.status.s1).toBe('ended'));
    expect(FakeEventSource.instances).toHaveLength(0);
    m.stop();
  });

  it('push: false polls only; a network failure on refresh keeps polling', async () => {
    let calls = 0;
    const t = host(200, {
      accessToken: async () => {
        calls++;
        throw new AdieuError('network_error', 'offline');
      },
    });
    const m = startSessionMonitor(t.h, { push: false, pollInterval: 10 });
    await vi.waitFor(() => expect(calls).toBeGreaterThanOrEqual(3));
    expect(m.status.s1).toBe('polling');
    expect(t.fetchCalls).toHaveLength(0);
    m.stop();
  });
});
