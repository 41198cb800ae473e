/**
 * How the bench's Adieu hashes passwords, in words for the report. Argon2id runs at Adieu's defaults (OWASP's
 * minimum: 19 MiB, 2 passes, 1 lane); scrypt at `--scrypt-log-n`.
 */
export function passwordHashLabel(settings) {
  return settings.passwordHash === 'scrypt'
    ? `scrypt 2^${settings.scryptLogN}`
    : 'Argon2id 19 MiB, 2 passes (the default)';
}
