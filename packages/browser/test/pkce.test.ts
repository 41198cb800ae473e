import { describe, expect, it } from 'vitest';
import { base64Url, createPkce, randomString, s256 } from '../src/pkce.js';
import { newState, stateKind } from '../src/interaction.js';
import { s256Reference } from './fakes.js';

describe('PKCE (RFC 7636)', () => {
  it('computes the S256 challenge of the RFC 7636 Appendix B example', async () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(await s256(verifier)).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('creates a 43-character base64url verifier (32 random bytes) and its challenge', async () => {
    const { verifier, challenge } = await createPkce();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(challenge).toBe(s256Reference(verifier));
    expect((await createPkce()).verifier).not.toBe(verifier);
  });

  it('base64url has no padding and uses - and _', () => {
    expect(base64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(randomString(24)).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('interaction state', () => {
  it('carries its kind, so a landing page knows whether the answer is its own or a popup opener’s', () => {
    for (const kind of ['lr', 'lp', 'xr', 'xp'] as const) {
      const s = newState(kind);
      expect(s).toMatch(new RegExp(`^${kind}\\.[A-Za-z0-9_-]{32}$`));
      expect(stateKind(s)).toBe(kind);
    }
    expect(stateKind('foreign-state')).toBeUndefined();
    expect(stateKind('lr.')).toBeUndefined();
    expect(stateKind(null)).toBeUndefined();
  });
});
