/**
 * Issue 11 point 5: behind a proxy the client address is the right one. `trust_proxy` takes a hop count or the
 * proxies' addresses; `true` ("trust every hop", so the client's own left-most X-Forwarded-For) is refused.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { parseConfig } from '../src/config/load.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover } from '../../../test/support/oidc.js';

const CB = 'http://localhost:5012/cb';
const base = { issuer: 'http://localhost:9', database: 'sqlite::memory:' };

describe('trust_proxy', () => {
  it('refuses true with a message that says what to use', () => {
    expect(() => parseConfig({ ...base, trust_proxy: true } as never)).toThrow(
      /trust_proxy.*every hop.*number of proxies.*addresses\/CIDRs/s,
    );
    expect(() => parseConfig({ ...base, trust_proxy: ['10.0.0.0/33'] })).toThrow(/trust_proxy/);
    expect(() => parseConfig({ ...base, trust_proxy: ['proxy.example'] })).toThrow(/trust_proxy/);
    expect(parseConfig({ ...base, trust_proxy: 1 }).trust_proxy).toBe(1);
    expect(parseConfig({ ...base, trust_proxy: ['10.0.0.0/8', '::1', 'loopback'] }).trust_proxy).toHaveLength(
      3,
    );
  });

  it('ADIEU_TRUST_PROXY takes a hop count or addresses, and refuses true the same way', () => {
    const withEnv = (v: string) => parseConfig(base, process.cwd(), { ADIEU_TRUST_PROXY: v }).trust_proxy;
    expect(withEnv('1')).toBe(1);
    expect(withEnv('0')).toBe(false);
    expect(withEnv('10.0.0.0/8, 127.0.0.1')).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(() => withEnv('true')).toThrow(/every hop/);
  });

  const running: TestProvider[] = [];
  afterAll(async () => {
    for (const op of running) await op.close();
  });

  it.each([1, ['127.0.0.1/32']] as const)(
    'with trust_proxy %j the per-IP limit keys on the address the proxy saw, not the one the client wrote',
    async (setting) => {
      const op = await startTestProvider({
        trust_proxy: setting as number | string[],
        login: { ip_max_failures: 3 },
        clients: [{ client_id: 'app', client_secret: 'app-secret-0123456789', redirect_uris: [CB] }],
      });
      running.push(op);
      const rp = await discover({
        issuer: op.issuer,
        clientId: 'app',
        clientSecret: 'app-secret-0123456789',
        redirectUri: CB,
      });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        // The attacker writes a fresh left-most address each time; the proxy appends the real one.
        const browser = new BrowserSession();
        const page = await browser.navigate((await authorizationRequest(rp, CB)).url.toString());
        const form = page.doc.querySelector('form')!;
        const fields: Record<string, string> = { username: `user${i}`, password: 'wrong-password' };
        for (const input of form.querySelectorAll('input[type=hidden]'))
          fields[input.getAttribute('name')!] = input.getAttribute('value') ?? '';
        const res = await browser.request(new URL(form.getAttribute('action')!, page.url).toString(), {
          method: 'POST',
          form: fields,
          headers: { 'x-forwarded-for': `198.51.100.${i}, 203.0.113.9` },
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect(await op.provider.store.throttle.get('ip:203.0.113.9')).toBeTruthy();
      expect(await op.provider.store.throttle.get('ip:198.51.100.0')).toBeUndefined();
    },
  );
});
