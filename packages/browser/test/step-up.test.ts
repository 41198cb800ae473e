/**
 * Step-up (docs/mfa.md): `acrValues` on a login is sent as `acr_values`, and `acquireTokenSilent({ acrValues })`
 * refuses a sign-in below that level with interaction_required — without a refresh, which could not raise it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdieuClient, InteractionRequiredAuthError, acrSatisfies } from '../src/index.js';
import { FakeStorage, ISSUER, METADATA, fakeFetch } from './fakes.js';
import { cachedRecord, refreshed, seedRecord } from './support.js';

const g = globalThis as { localStorage?: Storage; sessionStorage?: Storage };
let n = 0;
beforeEach(() => {
  g.localStorage = new FakeStorage();
  g.sessionStorage = new FakeStorage();
});
afterEach(() => {
  delete g.localStorage;
  delete g.sessionStorage;
});

async function clientWith(acr: string | undefined) {
  const clientId = `step-up-${++n}`;
  const claims = acr ? { acr } : {};
  seedRecord(g.localStorage!, clientId, cachedRecord(clientId, 'alice', 's1', {}, claims), true);
  const net = fakeFetch(() => refreshed('alice'));
  const c = new AdieuClient({
    auth: { clientId, authority: ISSUER, redirectUri: 'https://app.example/', authorityMetadata: METADATA },
    cache: { cacheLocation: 'localStorage', confirmSessionOnLoad: false },
    system: { fetch: net.fetch },
  });
  await c.initialize();
  return { c, calls: net.calls };
}

describe('step-up', () => {
  it('the levels: a stronger sign-in meets a weaker demand; unknown values only themselves', () => {
    expect(acrSatisfies('urn:adieu:phr', ['urn:adieu:mfa'])).toBe(true);
    expect(acrSatisfies('urn:adieu:mfa', ['urn:adieu:mfa'])).toBe(true);
    expect(acrSatisfies('urn:adieu:pwd', ['urn:adieu:mfa'])).toBe(false);
    expect(acrSatisfies('urn:adieu:pwd', ['urn:adieu:phr', 'urn:adieu:mfa'])).toBe(false);
    expect(acrSatisfies('urn:adieu:mfa', ['urn:adieu:phr', 'urn:adieu:mfa'])).toBe(true);
    expect(acrSatisfies(undefined, ['urn:adieu:pwd'])).toBe(false);
    expect(acrSatisfies(undefined, [])).toBe(true);
    expect(acrSatisfies('urn:other:gold', ['urn:other:gold'])).toBe(true);
    expect(acrSatisfies('urn:adieu:phr', ['urn:other:gold'])).toBe(false);
  });

  it('loginRedirect and acquireTokenRedirect send acr_values', async () => {
    const { c } = await clientWith('urn:adieu:pwd');
    const urls: URL[] = [];
    const capture = (u: string) => {
      urls.push(new URL(u));
      return false;
    };
    await c.loginRedirect({ acrValues: ['urn:adieu:mfa'], onRedirectNavigate: capture });
    await c.acquireTokenRedirect({
      acrValues: ['urn:adieu:phr', 'urn:adieu:mfa'],
      onRedirectNavigate: capture,
    });
    await c.loginRedirect({ onRedirectNavigate: capture });
    expect(urls[0]!.searchParams.get('acr_values')).toBe('urn:adieu:mfa');
    expect(urls[1]!.searchParams.get('acr_values')).toBe('urn:adieu:phr urn:adieu:mfa');
    expect(urls[2]!.searchParams.has('acr_values')).toBe(false);
  });

  it('acquireTokenSilent({ acrValues }) below the level: interaction_required, nothing refreshed', async () => {
    const { c, calls } = await clientWith('urn:adieu:pwd');
    const err = await c
      .acquireTokenSilent({ acrValues: ['urn:adieu:mfa'], forceRefresh: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InteractionRequiredAuthError);
    expect(err).toMatchObject({ code: 'interaction_required', error: 'interaction_required' });
    expect((err as Error).message).toMatch(/urn:adieu:pwd.*urn:adieu:mfa is needed/);
    expect(calls).toHaveLength(0);
    // The account is still there: only this level is missing.
    expect(c.getActiveAccount()?.username).toBe('alice');
    expect((await c.acquireTokenSilent()).accessToken).toBe('at-alice');
  });

  it('at or above the level the token comes as usual; a sign-in without acr meets no demand', async () => {
    const mfa = await clientWith('urn:adieu:mfa');
    expect((await mfa.c.acquireTokenSilent({ acrValues: ['urn:adieu:mfa'] })).accessToken).toBe('at-alice');
    const phr = await clientWith('urn:adieu:phr');
    expect((await phr.c.acquireTokenSilent({ acrValues: ['urn:adieu:mfa'] })).fromCache).toBe(true);
    const none = await clientWith(undefined);
    await expect(none.c.acquireTokenSilent({ acrValues: ['urn:adieu:pwd'] })).rejects.toBeInstanceOf(
      InteractionRequiredAuthError,
    );
  });
});
