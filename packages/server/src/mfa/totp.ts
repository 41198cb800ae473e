import { Secret, TOTP } from 'otpauth';

/** RFC 6238 parameters every authenticator app understands (SHA-1, 6 digits, 30 s). */
const PERIOD = 30;
const DIGITS = 6;
/** ±1 time step of clock skew (RFC 6238 §5.2 recommends at most one step back). */
const WINDOW = 1;

/** A new TOTP shared secret (160 bits, RFC 4226 §4), base32 as authenticator apps show it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI a QR code carries: the issuer name and the account label shown in the app. */
export function totpUri(secretBase32: string, issuerName: string, accountLabel: string): string {
  return totp(secretBase32, issuerName, accountLabel).toString();
}

/** A code as typed: digits only, spaces allowed between groups. Undefined when it cannot be a TOTP code. */
export function normalizeTotpCode(typed: string): string | undefined {
  const code = typed.replace(/[\s-]/g, '');
  return new RegExp(`^\\d{${DIGITS}}$`).test(code) ? code : undefined;
}

/**
 * The time step whose code this is, within ±1 step of `nowMs`; undefined when the code is wrong. The caller
 * refuses a step not later than the last one accepted, so a code is never accepted twice.
 */
export function totpStep(secretBase32: string, code: string, nowMs: number): number | undefined {
  const delta = totp(secretBase32).validate({ token: code, timestamp: nowMs, window: WINDOW });
  if (delta === null) return undefined;
  return Math.floor(nowMs / 1000 / PERIOD) + delta;
}

/** The code of a moment (tests and the CLI compute codes the way an authenticator app would). */
export function totpCodeAt(secretBase32: string, nowMs: number): string {
  return totp(secretBase32).generate({ timestamp: nowMs });
}

function totp(secretBase32: string, issuer = 'Adieu', label = 'account'): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secretBase32),
  });
}
