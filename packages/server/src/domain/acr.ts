/**
 * Authentication levels (`acr`) and methods (`amr`, RFC 8176). A session records the methods its user proved;
 * the level is derived from them, so the two never disagree.
 */

/** The levels an app may ask for with `acr_values` (published as `acr_values_supported`), weakest first. */
export const ACR_PWD = 'urn:adieu:pwd';
export const ACR_MFA = 'urn:adieu:mfa';
export const ACR_PHR = 'urn:adieu:phr';
export const ACR_VALUES_SUPPORTED = [ACR_PWD, ACR_MFA, ACR_PHR] as const;
export type AcrValue = (typeof ACR_VALUES_SUPPORTED)[number];

const RANK: Record<AcrValue, number> = { [ACR_PWD]: 1, [ACR_MFA]: 2, [ACR_PHR]: 3 };

/** A client's second-factor policy (client metadata `mfa`). */
export type MfaPolicy = 'off' | 'optional' | 'required';

/** Methods (RFC 8176 §2) as stored: space-separated; null for sessions from before methods were recorded. */
export function parseAmr(stored: string | null | undefined): string[] {
  return stored ? stored.split(' ').filter(Boolean) : [];
}

/**
 * The methods (RFC 8176 §2) a passkey proves. `hwk` when the key cannot leave its authenticator (WebAuthn backup
 * eligibility BE=0: a security key, or a platform key bound to one device's TPM or secure enclave); `swk` when it
 * may be copied to other devices (BE=1: a synced passkey, whose private key lives in a sync provider's software as
 * well). Plus `user` when the authenticator verified its user (UV: PIN, fingerprint or face). Either reaches
 * `urn:adieu:phr` with `user`: phishing resistance comes from WebAuthn's origin binding, not from the hardware.
 */
export function passkeyAmr(o: { backupEligible: boolean; userVerified: boolean }): string[] {
  return [o.backupEligible ? 'swk' : 'hwk', ...(o.userVerified ? ['user'] : [])];
}

/** Merge methods proved at different times in one session, keeping RFC 8176's `mfa` truthful. */
export function combineAmr(...parts: readonly (readonly string[])[]): string[] {
  const all = new Set(parts.flat().filter((m) => m !== 'mfa'));
  const factors = [...all].filter((m) => m !== 'user');
  // Two different factors, or a passkey with user verification (possession plus PIN or biometrics).
  const passkey = all.has('hwk') || all.has('swk');
  if (factors.length >= 2 || (passkey && all.has('user'))) all.add('mfa');
  return [...all];
}

/**
 * The level a set of methods reaches: a passkey verified by its user is phishing-resistant (`phr`); any two
 * factors are `mfa`; anything else — a password, or a session older than recorded methods — is `pwd`.
 */
export function acrOf(amr: readonly string[]): AcrValue {
  if ((amr.includes('hwk') || amr.includes('swk')) && amr.includes('user')) return ACR_PHR;
  if (amr.includes('mfa')) return ACR_MFA;
  return ACR_PWD;
}

/** Does a session with these methods reach `level`? */
export function reaches(amr: readonly string[], level: AcrValue): boolean {
  return RANK[acrOf(amr)] >= RANK[level];
}

/**
 * The level an authorization request demands: the first of its `acr_values` that we support (OIDC Core
 * §3.1.2.1: values in order of preference), raised to `mfa` for a client whose policy requires a second factor.
 * Unknown values are ignored, as for any voluntary claim. Undefined when nothing beyond a sign-in is needed.
 */
export function requiredLevel(acrValues: readonly string[], policy: MfaPolicy): AcrValue | undefined {
  const asked = acrValues.find((v): v is AcrValue => (ACR_VALUES_SUPPORTED as readonly string[]).includes(v));
  if (policy === 'required' && (!asked || RANK[asked] < RANK[ACR_MFA])) return ACR_MFA;
  return asked;
}
