/**
 * The one password policy, applied wherever a password is chosen: sign-up, reset, invitation, the account page,
 * the admin API and `adieu user add|passwd`. It follows NIST SP 800-63B §5.1.1.2: a minimum length, a generous
 * maximum, no composition rules, and no password from a list of commonly used and breached ones. The list ships
 * with the package (zxcvbn-ts' common password dictionary, about 49,000 entries from public breaches): no
 * password ever leaves the process.
 */
export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 8, maxLength: 128 };

/** Things about the user a password must not simply repeat. */
export interface PasswordContext {
  username?: string | null | undefined;
  email?: string | null | undefined;
  name?: string | null | undefined;
}

let common: Promise<ReadonlySet<string>> | undefined;

/** The breached-password list, loaded on first use (decompressing it takes a few hundred milliseconds). */
export function commonPasswords(): Promise<ReadonlySet<string>> {
  common ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) => new Set(dictionary['passwords-common'] as string[]),
  );
  return common;
}

/**
 * Why this password is refused, as a sentence for the person choosing it; `undefined` when it is acceptable.
 * Length counts characters (code points), not bytes.
 */
export async function passwordProblem(
  password: string,
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
  context: PasswordContext = {},
): Promise<string | undefined> {
  const length = [...password].length;
  if (length < policy.minLength) return `The password must be at least ${policy.minLength} characters.`;
  if (length > policy.maxLength) return `The password must be at most ${policy.maxLength} characters.`;
  if (password.includes('\u0000')) return 'The password must not contain a NUL character.';
  const lower = password.toLowerCase();
  const own = [context.username, context.email, context.email?.split('@')[0], context.name]
    .filter((v): v is string => Boolean(v))
    .map((v) => v.toLowerCase());
  if (own.includes(lower)) return 'Choose a password that is not your name, username or email address.';
  if ((await commonPasswords()).has(lower) || /^(.)\1*$/u.test(password)) {
    return 'This password is one of the most commonly used (it appears in public breaches). Choose another.';
  }
  return undefined;
}
