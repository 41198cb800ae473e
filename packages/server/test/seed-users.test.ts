import { describe, expect, it } from 'vitest';
import { startTestProvider, testDatabase } from '../src/testing/index.js';
import type { ConfigInput } from '../src/config/schema.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { discover, signIn } from '../../../test/support/oidc.js';
import { hasPostgres } from '../../../test/support/env.js';

const ADMIN = 'admin-bearer-secret-for-seed-tests';
const CB = 'http://localhost:5099/cb';

const config: Partial<ConfigInput> = {
  admin: { bearer_secret: ADMIN },
  clients: [{ client_id: 'app', client_secret: 'app-secret', redirect_uris: [CB] }],
  users: [
    { username: 'alice', password: 'alice-seed', name: 'Alice' },
    { username: 'bob', password: 'bob-seed', name: 'Bob' },
  ],
};

const engines = ['sqlite', ...(hasPostgres() ? ['postgres'] : [])] as const;

describe.each(engines)('config users are seeds (%s)', (engine) => {
  it('are created once: a password set through the API and a disabled seed user survive a restart', async () => {
    const db = testDatabase(engine as 'sqlite' | 'postgres');
    try {
      const first = await startTestProvider(config, { database: db.url });
      try {
        const api = (path: string, body?: unknown) =>
          fetch(`${first.issuer}/api/v1/users/${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
            body: JSON.stringify(body ?? {}),
          });
        expect((await api('alice/password', { password: 'alice-chosen-later' })).status).toBe(204);
        expect((await api('bob/disable')).status).toBe(204);
      } finally {
        await first.close();
      }

      // Same config, same database: the seeds must not overwrite what happened since.
      const second = await startTestProvider(config, { database: db.url });
      try {
        const rp = await discover({
          issuer: second.issuer,
          clientId: 'app',
          clientSecret: 'app-secret',
          redirectUri: CB,
        });
        const { tokens } = await signIn(rp, new BrowserSession(), CB, {
          username: 'alice',
          password: 'alice-chosen-later',
        });
        expect(tokens.claims()!.name).toBe('Alice');
        await expect(
          signIn(rp, new BrowserSession(), CB, { username: 'alice', password: 'alice-seed' }),
        ).rejects.toThrow(/login did not redirect/);
        await expect(
          signIn(rp, new BrowserSession(), CB, { username: 'bob', password: 'bob-seed' }),
        ).rejects.toThrow(/login did not redirect/);
      } finally {
        await second.close();
      }
    } finally {
      await db.cleanup();
    }
  });
});
