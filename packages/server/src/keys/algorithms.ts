/**
 * The JWS algorithms Adieu signs with. RS256 is what OIDC Core requires every provider to offer and every client to
 * accept, so it is always on and the default for every token. ES256 (P-256) is offered beside it because one
 * signature costs about a seventh of an RS256 one (bench/README.md, twentieth session): a deployment that issues
 * many tokens to clients and resource servers that accept it can ask for it.
 *
 * EdDSA is not offered: OIDC Core derives `at_hash` from "the hash algorithm used in the alg", which EdDSA does not
 * name, and clients disagree on which hash to use, so an ID token with an access token could not be checked the
 * same way everywhere. Both algorithms here hash with SHA-256.
 */
export const SIGNING_ALGS = ['RS256', 'ES256'] as const;

export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** The algorithm every token uses unless a client or the config asks for another. */
export const DEFAULT_SIGNING_ALG: SigningAlg = 'RS256';

/**
 * What an operator reads when a client asks for an alg the deployment no longer offers (a registered client left
 * behind when `keys.algorithms` shrank): the logout's delivery record and the client doctor say it the same way.
 */
export function algNotOffered(alg: SigningAlg): string {
  return `the client asks for ${alg} tokens, which keys.algorithms does not offer`;
}

/** What jose's `generateKeyPair` needs for a new key of `alg`. */
export function keyGenerationOptions(alg: SigningAlg): { modulusLength?: number } {
  return alg === 'RS256' ? { modulusLength: 2048 } : {};
}
