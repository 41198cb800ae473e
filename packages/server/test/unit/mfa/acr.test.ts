import { describe, expect, it } from 'vitest';
import { acrOf, combineAmr, parseAmr, reaches, requiredLevel } from '../../../src/domain/acr.js';
import { secondFactorStep, stepUpNeed } from '../../../src/protocol/second-factor-step.js';

const PWD = 'urn:adieu:pwd';
const MFA = 'urn:adieu:mfa';
const PHR = 'urn:adieu:phr';

describe('acr and amr (domain/acr.ts)', () => {
  it('a password alone is pwd; sessions without recorded methods count as pwd', () => {
    expect(acrOf(['pwd'])).toBe(PWD);
    expect(acrOf(parseAmr(null))).toBe(PWD);
  });

  it('two factors add RFC 8176 mfa and reach urn:adieu:mfa', () => {
    const amr = combineAmr(['pwd'], ['otp']);
    expect(amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(acrOf(amr)).toBe(MFA);
    expect(reaches(amr, MFA)).toBe(true);
    expect(reaches(amr, PHR)).toBe(false);
  });

  it('the same factor twice is not mfa, and mfa is never carried over unearned', () => {
    expect(combineAmr(['pwd', 'mfa'], ['pwd'])).toEqual(['pwd']);
    expect(combineAmr(['otp'], ['otp'])).toEqual(['otp']);
  });

  it('a passkey verified by its user is phishing-resistant and multi-factor', () => {
    const amr = combineAmr(['hwk', 'user']);
    expect(amr).toContain('mfa');
    expect(acrOf(amr)).toBe(PHR);
    expect(reaches(amr, MFA)).toBe(true);
  });

  it('acr_values: the first supported value, in order of preference; unknown ones ignored', () => {
    expect(requiredLevel(['urn:other', MFA, PWD], 'optional')).toBe(MFA);
    expect(requiredLevel(['urn:other'], 'optional')).toBeUndefined();
    expect(requiredLevel([], 'off')).toBeUndefined();
  });

  it('a client that requires a second factor raises the level to mfa, never lowers phr', () => {
    expect(requiredLevel([], 'required')).toBe(MFA);
    expect(requiredLevel([PWD], 'required')).toBe(MFA);
    expect(requiredLevel([PHR], 'required')).toBe(PHR);
  });
});

describe('the step after the password (protocol/second-factor-step.ts)', () => {
  it('optional policy: users with a factor give it, others do not', () => {
    expect(secondFactorStep(undefined, 'optional', true)).toBe('verify');
    expect(secondFactorStep(undefined, 'optional', false)).toBe('none');
  });

  it('off policy: nothing more, unless the request asks for a level above a password', () => {
    expect(secondFactorStep(undefined, 'off', true)).toBe('none');
    expect(secondFactorStep(PWD, 'off', true)).toBe('none');
    expect(secondFactorStep(MFA, 'off', true)).toBe('verify');
  });

  it('a demanded level and no factor yet: set one up', () => {
    expect(secondFactorStep(MFA, 'required', false)).toBe('enrol');
    expect(secondFactorStep(MFA, 'optional', false)).toBe('enrol');
  });

  it('step-up only when the session lacks the level', () => {
    expect(stepUpNeed(['pwd'], MFA)).toBe('yes');
    expect(stepUpNeed(['pwd', 'otp', 'mfa'], MFA)).toBe('no');
    expect(stepUpNeed(['pwd'], PWD)).toBe('no');
    expect(stepUpNeed(['pwd'], undefined)).toBe('no');
    expect(stepUpNeed(['hwk', 'user', 'mfa'], PHR)).toBe('no');
  });

  it('phr over an mfa session depends on a passkey (the only answer that needs the lookup); no loop without one', () => {
    expect(stepUpNeed(['pwd', 'otp', 'mfa'], PHR)).toBe('if-passkey');
    expect(stepUpNeed(['pwd'], PHR)).toBe('yes');
  });
});
