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

/** Whether a live session must step up: never, always, or only when its user has a passkey to give. */
export type StepUpNeed = 'no' | 'yes' | 'if-passkey';

/**
 * A live session of the right user that lacks the demanded level steps up: the second factor only, inside the
 * same session (same sid, same participants). OIDC Core §3.1.2.1 prompt and max_age are checked before this.
 * Pure, so the caller looks a user's passkeys up only for the one answer that depends on them.
 */
export function stepUpNeed(amr: readonly string[], level: AcrValue | undefined): StepUpNeed {
  if (level === undefined || reaches(amr, level)) return 'no';
  // Only a passkey reaches phr. A user without one gives the best they have (mfa), and the ID token's acr says
  // what was reached (acr_values is voluntary, OIDC Core §5.5.1.1): asking again would loop.
  if (level === ACR_PHR && reaches(amr, ACR_MFA)) return 'if-passkey';
  return 'yes';
}
