import { describe, expect, it } from 'vitest';
import { AdieuError, resolveConfig, type AdieuOptions } from '../src/index.js';

const base: AdieuOptions = {
  issuer: 'https://id.example.com',
  clientId: 'portal',
  clientSecret: 'secret',
  baseUrl: 'https://portal.example.com',
};

function problem(over: Partial<AdieuOptions>): string {
  try {
    resolveConfig({ ...base, ...over });
  } catch (e) {
    expect(e).toBeInstanceOf(AdieuError);
    expect((e as AdieuError).code).toBe('invalid_config');
    return (e as Error).message;
  }
  throw new Error('expected invalid_config');
}

describe('configuration is validated once, naming the option', () => {
  it('accepts a minimal https configuration with safe defaults', () => {
    const c = resolveConfig(base);
    expect(c.redirectUri).toBe('https://portal.example.com/callback');
    expect(c.postLogoutRedirectUri).toBe('https://portal.example.com/logout/callback');
    expect(c.cookies).toMatchObject({ session: '__Host-adieu_app', secure: true, sameSite: 'lax' });
    // No algorithms of its own: the provider's discovery decides (logoutTokenAlgorithms).
    expect(c.logoutToken).toEqual({ algorithms: undefined, maxAge: 120, clockTolerance: 10 });
    expect(c.tokenEndpointAuthMethod).toBe('client_secret_basic');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('plain http to the provider needs the named opt-in', () => {
    expect(problem({ issuer: 'http://localhost:3000' })).toMatch(/options\.issuer .*allowInsecureRequests/);
    expect(
      resolveConfig({ ...base, issuer: 'http://localhost:3000', allowInsecureRequests: true }).issuer,
    ).toBe('http://localhost:3000');
  });

  it('refuses what would be unsafe or ambiguous', () => {
    expect(problem({ baseUrl: 'https://portal.example.com/app' })).toMatch(/options\.baseUrl/);
    expect(problem({ clientSecret: undefined, tokenEndpointAuthMethod: 'client_secret_post' })).toMatch(
      /options\.clientSecret/,
    );
    expect(problem({ logoutToken: { algorithms: ['HS256'] } })).toMatch(/options\.logoutToken\.algorithms/);
    expect(problem({ logoutToken: { algorithms: ['none'] } })).toMatch(/must not include none/);
    expect(problem({ logoutToken: { algorithms: [] } })).toMatch(/options\.logoutToken\.algorithms is empty/);
    expect(problem({ routes: { backchannel: 'backchannel' } })).toMatch(/options\.routes\.backchannel/);
    expect(problem({ session: { idle: 0 } })).toMatch(/options\.session\.idle/);
    expect(problem({ baseUrl: 'http://portal.example.com', cookie: { sameSite: 'none' } })).toMatch(
      /options\.cookie\.sameSite/,
    );
  });

  it('a public client needs no secret', () => {
    expect(
      resolveConfig({ ...base, clientSecret: undefined, tokenEndpointAuthMethod: 'none' }).clientSecret,
    ).toBe(undefined);
  });
});
