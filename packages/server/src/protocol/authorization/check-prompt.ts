import { invalidRequest, type OAuthError } from '../errors.js';
import { splitScope } from '../params.js';

/** OIDC Core §3.1.2.1: `prompt` is a set of values, and `none` stands alone. */
export function checkPrompt(param: string | undefined): { prompt: ReadonlySet<string>; error?: OAuthError } {
  const prompt = new Set(splitScope(param));
  if (prompt.has('none') && prompt.size > 1) {
    return { prompt, error: invalidRequest('prompt=none cannot be combined') };
  }
  return { prompt };
}
