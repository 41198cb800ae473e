/**
 * Authentication levels (`acr`, docs/mfa.md) and the step-up guard's decision, shared by the Express and Fastify
 * adapters. Adieu's levels, weakest first: a sign-in at one satisfies a demand for any weaker one; a level Adieu
 * does not define satisfies only a demand that names it exactly.
 */
import type { AppSession } from './session-store.js';

export const ADIEU_ACR_LEVELS = ['urn:adieu:pwd', 'urn:adieu:mfa', 'urn:adieu:phr'] as const;

/** Does a sign-in whose ID token says `acr` satisfy a demand for any of `wanted`? */
export function acrSatisfies(acr: unknown, wanted: readonly string[]): boolean {
  if (wanted.length === 0) return true;
  if (typeof acr !== 'string') return false;
  const rank = (v: string) => (ADIEU_ACR_LEVELS as readonly string[]).indexOf(v);
  return wanted.some((w) => w === acr || (rank(w) >= 0 && rank(acr) >= rank(w)));
}

/**
 * What a route that demands `wanted` does with this request: let it through, start a sign-in that asks for the
 * level (`acr_values`), or refuse — when the session's latest sign-in already asked for it and the provider
 * gave less (acr_values is a request, OIDC Core §5.5.1.1: e.g. phr asked of a user without a passkey), since
 * asking again would loop.
 */
export function stepUpDecision(
  session: Pick<AppSession, 'user' | 'requestedAcr'> | undefined,
  wanted: readonly string[],
): 'pass' | 'sign_in' | 'step_up' | 'insufficient' {
  if (!session) return 'sign_in';
  if (acrSatisfies(session.user.acr, wanted)) return 'pass';
  const asked = session.requestedAcr ?? [];
  return wanted.every((w) => asked.includes(w)) ? 'insufficient' : 'step_up';
}

/** RFC 9470 §3: the challenge of a resource that needs a stronger sign-in. */
export function insufficientAuthentication(wanted: readonly string[]): {
  status: number;
  headers: Record<string, string>;
  body: { error: string; error_description: string; acr_values: string };
} {
  const acrValues = wanted.join(' ');
  const description = `a stronger sign-in is needed (${acrValues})`;
  return {
    status: 401,
    headers: {
      'www-authenticate': `Bearer error="insufficient_user_authentication", error_description="${description}", acr_values="${acrValues}"`,
      'cache-control': 'no-store',
    },
    body: {
      error: 'insufficient_user_authentication',
      error_description: description,
      acr_values: acrValues,
    },
  };
}
