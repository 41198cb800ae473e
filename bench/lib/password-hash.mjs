import { parseConfig } from '../../packages/server/dist/index.js';

/** Adieu's own default password-hash settings, read from its config schema (the bench's Adieu sets none of them). */
const defaults = parseConfig({ issuer: 'http://127.0.0.1', database: 'sqlite::memory:' }).login;

/**
 * How the bench's Adieu hashes passwords, in words for the report: Argon2id at Adieu's default cost, or scrypt
 * at `--scrypt-log-n`.
 */
export function passwordHashLabel(settings) {
  if (settings.passwordHash === 'scrypt') return `scrypt 2^${settings.scryptLogN}`;
  const mib = Math.round((defaults.argon2_memory_kib / 1024) * 10) / 10;
  return `Argon2id ${mib} MiB, ${defaults.argon2_time_cost} passes, ${defaults.argon2_parallelism} lane (Adieu's default cost)`;
}

/** Adieu's default password hash algorithm, which `--password-hash` defaults to. */
export const defaultPasswordHash = defaults.password_hash;
