/**
 * Authentication levels (`acr`, docs/mfa.md): Adieu's, weakest first. A sign-in at a level satisfies a demand
 * for any weaker one; a level Adieu does not define satisfies only a demand that names it exactly.
 */
export const ADIEU_ACR_LEVELS = ['urn:adieu:pwd', 'urn:adieu:mfa', 'urn:adieu:phr'] as const;

/**
 * Does a sign-in whose ID token says `acr` satisfy a demand for any of `wanted`? An empty demand is always met;
 * a missing `acr` meets only an empty one.
 */
export function acrSatisfies(acr: unknown, wanted: readonly string[] | undefined): boolean {
  if (!wanted?.length) return true;
  if (typeof acr !== 'string') return false;
  const rank = (v: string) => (ADIEU_ACR_LEVELS as readonly string[]).indexOf(v);
  return wanted.some((w) => w === acr || (rank(w) >= 0 && rank(acr) >= rank(w)));
}
