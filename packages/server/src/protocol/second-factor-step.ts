import { ACR_MFA, ACR_PHR, ACR_PWD, reaches, type AcrValue, type MfaPolicy } from '../domain/acr.js';

/** What follows a correct password: nothing, the user's second factor, or setting one up first. */
export type SecondFactorStep = 'none' | 'verify' | 'enrol';

/**
 * After the first factor (docs/mfa.md "Policies"): a level above a password (acr_values, or a client whose
 * policy is `required`) needs a second factor, set up on the spot by a user who has none; otherwise a user who
 * has one is asked for it unless the client's policy is `off`.
 */
export function secondFactorStep(
  level: AcrValue | undefined,
  policy: MfaPolicy,
  hasFactor: boolean,
): SecondFactorStep {
  if (level && level !== ACR_PWD) return hasFactor ? 'verify' : 'enrol';
  return policy !== 'off' && hasFactor ? 'verify' : 'none';
}

/**
 * A live session of the right user that lacks the demanded level steps up: the second factor only, inside the
 * same session (same sid, same participants). OIDC Core §3.1.2.1 prompt and max_age are checked before this.
 */
export function needsStepUp(
  amr: readonly string[],
  level: AcrValue | undefined,
  hasPasskey: boolean,
): boolean {
  if (level === undefined || level === ACR_PWD) return false;
  // Only a passkey reaches phr. A user without one gives the best they have (mfa), and the ID token's acr says
  // what was reached (acr_values is voluntary, OIDC Core §5.5.1.1): asking again would loop.
  const reachable = level === ACR_PHR && !hasPasskey ? ACR_MFA : level;
  return !reaches(amr, reachable);
}
