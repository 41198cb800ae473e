import { describe, expect, it } from 'vitest';
import { acrOf, combineAmr, passkeyAmr } from '../../../src/domain/acr.js';
import { passkeyName, relyingPartyOf } from '../../../src/mfa/passkeys.js';

describe('passkey rules', () => {
  it('amr: hwk for a key that cannot leave its device, swk for a synced one, user when verified', () => {
    expect(passkeyAmr({ backupEligible: false, userVerified: true })).toEqual(['hwk', 'user']);
    expect(passkeyAmr({ backupEligible: true, userVerified: true })).toEqual(['swk', 'user']);
    expect(passkeyAmr({ backupEligible: false, userVerified: false })).toEqual(['hwk']);
  });

  it('levels: a verified passkey alone or after a password is phr; unverified after a password is mfa', () => {
    expect(acrOf(combineAmr(passkeyAmr({ backupEligible: true, userVerified: true })))).toBe('urn:adieu:phr');
    expect(acrOf(combineAmr(['pwd'], passkeyAmr({ backupEligible: false, userVerified: false })))).toBe(
      'urn:adieu:mfa',
    );
    expect(acrOf(combineAmr(passkeyAmr({ backupEligible: false, userVerified: false })))).toBe(
      'urn:adieu:pwd',
    );
  });

  it('the RP is the issuer: its host is the RP ID, its origin the only origin; only domains in secure contexts', () => {
    expect(relyingPartyOf('https://idp.example:8443/tenant')).toEqual({
      id: 'idp.example',
      origin: 'https://idp.example:8443',
      name: 'idp.example:8443',
      available: true,
    });
    expect(relyingPartyOf('http://localhost:3000').available).toBe(true);
    expect(relyingPartyOf('http://app.localhost:3000').available).toBe(true);
    expect(relyingPartyOf('http://idp.example').available).toBe(false);
    expect(relyingPartyOf('https://127.0.0.1:8443').available).toBe(false);
    expect(relyingPartyOf('https://[::1]:8443').available).toBe(false);
  });

  it('names are trimmed, bounded, and default to "Passkey"', () => {
    expect(passkeyName('  Work   laptop ')).toBe('Work laptop');
    expect(passkeyName('')).toBe('Passkey');
    expect(passkeyName(undefined)).toBe('Passkey');
    expect(passkeyName('x'.repeat(100))).toHaveLength(60);
  });
});
