/**
 * What `adieu client add` registers as post_logout_redirect_uris when none is given: exactly what our SDKs send by
 * default, so that a client added with defaults signs out without a "post_logout_redirect_uri is not registered"
 * page.
 *
 * - `@adieu/browser` (a public client) sends its `redirectUri` (`auth.postLogoutRedirectUri` defaults to it).
 * - `@adieu/node` (a confidential client) sends `<baseUrl>/logout/callback`, `baseUrl` being the app's origin.
 */
export function defaultPostLogoutRedirectUris(redirectUris: readonly string[], isPublic: boolean): string[] {
  if (isPublic) return [...redirectUris];
  const origins = new Set<string>();
  for (const uri of redirectUris) {
    // Custom schemes (native apps) have no origin to hang /logout/callback on; invalid URIs are reported later.
    if (!URL.canParse(uri)) continue;
    const { origin, protocol } = new URL(uri);
    if (protocol === 'https:' || protocol === 'http:') origins.add(origin);
  }
  return [...origins].map((o) => `${o}/logout/callback`);
}
