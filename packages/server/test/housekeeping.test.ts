import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';

/** Issue 16: expired console sign-ins do not pile up; the provider's housekeeping round removes them. */
describe('housekeeping', () => {
  let op: TestProvider;
  beforeAll(async () => {
    op = await startTestProvider({});
  });
  afterAll(() => op?.close());

  it('purges expired console sessions and keeps live ones', async () => {
    const now = op.provider.now();
    const row = (id: string, expires_at: number) => ({
      id_digest: id,
      kind: 'session',
      user_id: 'usr_x',
      payload: '{}',
      csrf: 'c',
      created_at: now - 60_000,
      expires_at,
    });
    await op.provider.store.consoleSessions.insert(row('expired-console-session', now - 1));
    await op.provider.store.consoleSessions.insert(row('live-console-session', now + 3_600_000));
    await op.provider.purge();
    const left = await op.provider.store.db.selectFrom('console_sessions').select('id_digest').execute();
    expect(left.map((r) => r.id_digest)).toEqual(['live-console-session']);
  });
});
