import { describe, expect, it } from 'vitest';
import { checkPostLogoutRedirectUri } from '../../../src/protocol/end-session/check-post-logout-redirect-uri.js';
import { postLogoutTarget } from '../../../src/protocol/end-session/check-state.js';
import { client } from './fixtures.js';

const portal = client('portal', ['https://portal.example/', 'https://portal.example/?from=logout']);

describe('end_session must not redirect to an unregistered post_logout_redirect_uri', () => {
  it('only an exact match of the identified client is followed', () => {
    expect(checkPostLogoutRedirectUri('https://portal.example/', portal)).toEqual({
      kind: 'allowed',
      uri: 'https://portal.example/',
    });
    for (const uri of [
      'https://portal.example',
      'https://portal.example/?extra=1',
      'https://portal.example/#x',
      'HTTPS://portal.example/',
      'https://evil.example/',
    ]) {
      const r = checkPostLogoutRedirectUri(uri, portal);
      expect(r.kind, uri).toBe('refused');
      expect(r.kind === 'refused' && r.note).toMatch(
        /Portal asked to send you back to an address it has not registered/,
      );
    }
  });

  it('without an identified client no URI is followed, and the note says why', () => {
    const r = checkPostLogoutRedirectUri('https://portal.example/', undefined);
    expect(r).toMatchObject({ kind: 'refused', note: expect.stringMatching(/did not say which app/) });
  });

  it('no URI, nothing to check', () => {
    expect(checkPostLogoutRedirectUri(undefined, portal)).toEqual({ kind: 'none' });
  });
});

describe('state goes back only with a validated URI', () => {
  it('appended as a query parameter, the registered URI kept byte for byte', () => {
    const allowed = (uri: string) => ({ kind: 'allowed' as const, uri });
    expect(postLogoutTarget(allowed('https://a.example/'), 'x y&z')).toBe(
      'https://a.example/?state=x%20y%26z',
    );
    expect(postLogoutTarget(allowed('https://a.example/?from=logout'), 's')).toBe(
      'https://a.example/?from=logout&state=s',
    );
    expect(postLogoutTarget(allowed('https://a.example/'), undefined)).toBe('https://a.example/');
  });

  it('no validated URI: state is dropped', () => {
    expect(postLogoutTarget({ kind: 'none' }, 's')).toBeUndefined();
    expect(postLogoutTarget({ kind: 'refused', note: 'n' }, 's')).toBeUndefined();
  });
});
