import QRCode from 'qrcode';
import type { FactorRow, FactorsRepo } from '../store/repos/factors.js';
import type { LoginThrottle, PasswordAttempt } from '../domain/throttle.js';
import { randomToken } from '../util/crypto.js';
import { newTotpSecret, normalizeTotpCode, totpStep, totpUri } from './totp.js';
import { newRecoveryCodes, normalizeRecoveryCode, recoveryCodeDigest } from './recovery-codes.js';

/** Seals secrets at rest (keys/key-encryption.ts); plain JSON when no key-encryption key is configured. */
export interface SecretSealer {
  seal(json: string, cty: string): Promise<string>;
  open(stored: string): Promise<string>;
}

export interface SecondFactorDeps {
  factors: FactorsRepo;
  throttle: Pick<LoginThrottle, 'checkSecondFactor' | 'unlockSecondFactor'>;
  sealer: SecretSealer;
  now: () => number;
  /** The name authenticator apps show beside the account (the issuer's host). */
  issuerName: string;
  /** Ends the user's sessions but `keepSid` (logout/credentials-changed.ts); says how many ended. */
  credentialsChanged: (
    userId: string,
    o: { initiator: 'user' | 'admin'; keepSid?: string | undefined; adminClientId?: string | null },
  ) => Promise<readonly unknown[]>;
}

/** What the enrolment page shows: the secret as text and as a QR code of its otpauth:// URI. */
export interface TotpEnrolment {
  secret: string;
  uri: string;
  qrSvg: string;
}

/** A factor as the account page lists it. */
export interface FactorView {
  id: string;
  kind: 'totp' | 'passkey';
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** A passkey that may be synced to the user's other devices (WebAuthn backup eligible). */
  synced?: boolean;
}

export type CodeCheck =
  | { outcome: 'ok'; amr: string[]; recoveryCodesLeft?: number }
  | { outcome: 'wrong'; message: string }
  | { outcome: 'throttled'; retryAfterSeconds: number };

const TOTP_CTY = 'totp+json';

/** Removing a factor needs a sign-in at most this old (a session left open on a shared computer is not enough). */
export const FRESH_SIGN_IN_MS = 5 * 60_000;

export function isFreshSignIn(authTime: number, now: number): boolean {
  return now - authTime <= FRESH_SIGN_IN_MS;
}

/**
 * Second factors of a user: TOTP enrolment (confirmed by one code before anything is stored, so a factor is
 * never half-enrolled), recovery codes (shown once, stored as digests, single use), and the code check of the
 * sign-in's second step: throttled per account, no code accepted twice, ±1 step of clock skew.
 */
export class SecondFactors {
  constructor(private readonly deps: SecondFactorDeps) {}

  hasAny(userId: string): Promise<boolean> {
    return this.deps.factors.hasAny(userId);
  }

  async list(userId: string): Promise<FactorView[]> {
    return (await this.deps.factors.listByUser(userId)).map((f) => ({
      id: f.id,
      kind: f.kind,
      label: f.label,
      createdAt: f.created_at,
      lastUsedAt: f.last_used_at,
      ...(f.kind === 'passkey' ? { synced: f.backup_eligible === true } : {}),
    }));
  }

  recoveryCodesLeft(userId: string): Promise<number> {
    return this.deps.factors.countUnusedRecoveryCodes(userId);
  }

  /**
   * A new secret, sealed: the enrolment page carries it (server-side, in its interaction) until the user confirms
   * a code with {@link confirmTotp}; nothing is stored for the user before that.
   */
  startTotp(): Promise<string> {
    return this.deps.sealer.seal(JSON.stringify({ secret: newTotpSecret() }), TOTP_CTY);
  }

  /** What the enrolment page shows for a sealed secret: the secret, its otpauth:// URI and QR code. */
  async enrolment(sealed: string, accountLabel: string): Promise<TotpEnrolment> {
    const secret = await this.openSecret(sealed);
    const uri = totpUri(secret, this.deps.issuerName, accountLabel);
    const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { secret, uri, qrSvg };
  }

  private async openSecret(sealed: string): Promise<string> {
    return (JSON.parse(await this.deps.sealer.open(sealed)) as { secret: string }).secret;
  }

  /**
   * Confirm an enrolment with one code of the new secret. The factor is stored only now; a user's first factor
   * comes with fresh recovery codes, returned here to be shown once.
   */
  async confirmTotp(
    userId: string,
    sealed: string,
    typedCode: string,
  ): Promise<{ kind: 'wrong' } | { kind: 'enrolled'; recoveryCodes?: string[] }> {
    const code = normalizeTotpCode(typedCode);
    const secret = await this.openSecret(sealed);
    const now = this.deps.now();
    const step = code ? totpStep(secret, code, now) : undefined;
    if (step === undefined) return { kind: 'wrong' };
    const first = !(await this.deps.factors.hasAny(userId));
    const recoveryCodes = first ? newRecoveryCodes() : undefined;
    await this.deps.factors.add(
      {
        id: randomToken(12),
        user_id: userId,
        kind: 'totp',
        label: 'Authenticator app',
        secret: sealed,
        // The confirming code is spent: it cannot also be used to sign in.
        last_step: step,
        credential_id: null,
        public_key: null,
        sign_count: null,
        backup_eligible: null,
        backed_up: null,
        transports: null,
        created_at: now,
        last_used_at: null,
      },
      recoveryCodes?.map(recoveryCodeDigest),
    );
    return recoveryCodes ? { kind: 'enrolled', recoveryCodes } : { kind: 'enrolled' };
  }

  /**
   * The second step of a sign-in: a code from the user's authenticator app, or one of their recovery codes.
   * Wrong, replayed and garbage codes all count against the account's second-factor limit.
   */
  async checkCode(userId: string, typed: string, ip: string): Promise<CodeCheck> {
    const now = this.deps.now();
    let replayed = false;
    const attempt: PasswordAttempt<{ amr: string[]; recoveryCodesLeft?: number }> =
      await this.deps.throttle.checkSecondFactor(userId, ip, now, async () => {
        const totp = normalizeTotpCode(typed);
        if (totp) {
          for (const f of await this.deps.factors.listByUser(userId)) {
            if (f.kind !== 'totp' || !f.secret) continue;
            const step = totpStep(await this.openSecret(f.secret), totp, now);
            if (step === undefined) continue;
            if (await this.deps.factors.acceptTotpStep(f.id, step, now)) return { amr: ['otp'] };
            replayed = true;
          }
          return undefined;
        }
        const recovery = normalizeRecoveryCode(typed);
        if (
          recovery &&
          (await this.deps.factors.useRecoveryCode(userId, recoveryCodeDigest(recovery), now))
        ) {
          return {
            amr: ['otp'],
            recoveryCodesLeft: await this.deps.factors.countUnusedRecoveryCodes(userId),
          };
        }
        return undefined;
      });
    if (attempt.outcome === 'throttled') return attempt;
    if (attempt.outcome === 'wrong') {
      return {
        outcome: 'wrong',
        message: replayed
          ? 'This code was already used. Wait for the next code in your authenticator app.'
          : 'That code is not correct. Enter the 6-digit code from your authenticator app, or a recovery code.',
      };
    }
    return { outcome: 'ok', ...attempt.value };
  }

  /**
   * The user removes one of their factors from a freshly signed-in session (`keepSid`): every other session of
   * theirs ends (reason `credentials_changed`). Undefined when there was no such factor of this user.
   */
  async remove(userId: string, factorId: string, keepSid: string): Promise<{ ended: number } | undefined> {
    if (!(await this.deps.factors.remove(userId, factorId))) return undefined;
    const ended = await this.deps.credentialsChanged(userId, { initiator: 'user', keepSid });
    return { ended: ended.length };
  }

  /**
   * Admin reset: every factor and recovery code goes, the second-factor lock is lifted, and every session of
   * the user ends (reason `credentials_changed`), so the next sign-in is a fresh one.
   */
  async resetAll(
    userId: string,
    adminClientId?: string | null,
  ): Promise<{ factors: number; endedSessions: number }> {
    const factors = await this.deps.factors.removeAll(userId);
    await this.deps.throttle.unlockSecondFactor(userId);
    const ended = await this.deps.credentialsChanged(userId, { initiator: 'admin', adminClientId });
    return { factors, endedSessions: ended.length };
  }
}

export type { FactorRow };
