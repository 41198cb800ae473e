import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { isIP } from 'node:net';
import { passkeyAmr } from '../domain/acr.js';
import type { FactorRow, FactorsRepo } from '../store/repos/factors.js';
import type { InteractionsRepo } from '../store/repos/interactions.js';
import { randomToken } from '../util/crypto.js';
import { newRecoveryCodes, recoveryCodeDigest } from './recovery-codes.js';

/**
 * Where passkeys are bound (WebAuthn §5.1.4.1): the issuer's host is the RP ID and its origin the only origin
 * accepted. Browsers allow WebAuthn only for a domain (never an IP address) in a secure context (https, or a
 * localhost name), so on any other issuer passkeys are simply not offered.
 */
export interface RelyingParty {
  id: string;
  origin: string;
  /** Shown by the browser and the authenticator beside the account. */
  name: string;
  available: boolean;
}

export function relyingPartyOf(issuer: string): RelyingParty {
  const url = new URL(issuer);
  const host = url.hostname;
  const localhost = host === 'localhost' || host.endsWith('.localhost');
  const available = isIP(host.replace(/^\[|\]$/g, '')) === 0 && (url.protocol === 'https:' || localhost);
  return { id: host, origin: url.origin, name: url.host, available };
}

/** What one ceremony serves: creating a passkey, using one after the password, or using one instead of it. */
export type PasskeyPurpose = 'register' | 'second-factor' | 'sign-in';

/** A ceremony's options for the page's script, and the id of the stored challenge its answer must name. */
export interface Ceremony<O> {
  challengeId: string;
  /** The challenge row's CSRF token (the account page's form posts it; sign-in pages use their interaction's). */
  csrf: string;
  options: O;
}

interface ChallengePayload {
  purpose: PasskeyPurpose;
  /** What the ceremony is bound to: the sign-in interaction, or the account page's session (sid). */
  owner: string;
  challenge: string;
  /** The user the ceremony is for (registration and second factor); absent for a passwordless sign-in. */
  userId?: string;
}

export type PasskeyUse =
  { outcome: 'ok'; userId: string; amr: string[] } | { outcome: 'failed'; message: string };

export type PasskeyEnrolment =
  /** `amr`: what the new passkey proved while it was made (`hwk`/`swk`, `user`), for a sign-in that sets it up. */
  | { outcome: 'enrolled'; factorId: string; amr: string[]; recoveryCodes?: string[] }
  | { outcome: 'failed'; message: string };

export interface PasskeyDeps {
  factors: FactorsRepo;
  /** Challenges are short-lived interaction rows: found once, taken once (single use across processes). */
  challenges: Pick<InteractionsRepo, 'insert' | 'find' | 'take'>;
  now: () => number;
  issuer: string;
  /** Why an answer was refused (for operators: a wrong origin usually means a misconfigured issuer). */
  onRejected?: (purpose: PasskeyPurpose, reason: string) => void;
}

/** How long a person has to touch their authenticator (WebAuthn §15.1 recommends 5 minutes when UV is asked). */
export const CEREMONY_MS = 5 * 60_000;
const CHALLENGE_KIND = 'passkey';
/** A WebAuthn answer is a few kilobytes (RSA keys, attestation certificates); anything larger is not one. */
export const MAX_RESPONSE_CHARS = 32_000;
const MAX_NAME_CHARS = 60;

const EXPIRED = 'This passkey prompt has expired or was already used. Try again with the button below.';
const UNREADABLE = 'The passkey’s answer could not be verified. Try again.';

/**
 * Passkeys (WebAuthn, with @simplewebauthn/server): registered on the account page (user verification required,
 * discoverable, so every passkey can also sign in without a password), used after the password as a second
 * factor, or alone as a passwordless first factor. Every challenge is stored, bound to the page it was made for
 * and its purpose, used at most once and expires; a signature counter that does not grow is refused; nothing is
 * stored for a registration that did not verify.
 */
export class Passkeys {
  readonly rp: RelyingParty;

  constructor(private readonly deps: PasskeyDeps) {
    this.rp = relyingPartyOf(deps.issuer);
  }

  get available(): boolean {
    return this.rp.available;
  }

  /** The user handle stored in the authenticator: the user's opaque id (no personal data, WebAuthn §14.6.1). */
  private userHandle(userId: string): string {
    return isoBase64URL.fromUTF8String(userId);
  }

  private async passkeysOf(userId: string): Promise<FactorRow[]> {
    return (await this.deps.factors.listByUser(userId)).filter((f) => f.kind === 'passkey');
  }

  private descriptor(f: FactorRow) {
    return {
      id: f.credential_id!,
      ...(f.transports ? { transports: f.transports.split(' ') } : {}),
    };
  }

  private async store<O extends { challenge: string }>(
    payload: Omit<ChallengePayload, 'challenge'>,
    options: O,
  ): Promise<Ceremony<O>> {
    const now = this.deps.now();
    const row = { id: randomToken(24), csrf: randomToken(24) };
    const stored: ChallengePayload = { ...payload, challenge: options.challenge };
    await this.deps.challenges.insert({
      ...row,
      kind: CHALLENGE_KIND,
      payload: stored,
      created_at: now,
      expires_at: now + CEREMONY_MS,
    });
    return { challengeId: row.id, csrf: row.csrf, options };
  }

  /** The challenge row of a posted answer, checked for owner and purpose, and spent (single use). */
  private async spend(
    challengeId: string | undefined,
    purpose: PasskeyPurpose,
    owner: string,
  ): Promise<ChallengePayload | undefined> {
    if (!challengeId) return undefined;
    const row = await this.deps.challenges.find<ChallengePayload>(challengeId, this.deps.now());
    if (row?.kind !== CHALLENGE_KIND) return undefined;
    const payload = row.payload;
    if (payload.purpose !== purpose || payload.owner !== owner) return undefined;
    // Spent before the answer is even read: a wrong answer does not leave the challenge for another try.
    return (await this.deps.challenges.take(row.id)) ? payload : undefined;
  }

  /** The CSRF token of a registration ceremony (the account page's form); undefined when gone. */
  async ceremonyCsrf(challengeId: string | undefined): Promise<string | undefined> {
    if (!challengeId) return undefined;
    const row = await this.deps.challenges.find(challengeId, this.deps.now());
    return row?.kind === CHALLENGE_KIND ? row.csrf : undefined;
  }

  /**
   * Options to create a passkey for `user`, bound to `owner`: the account page's session (sid), or the sign-in
   * interaction of a user who must set up a second factor before going on to the app.
   */
  async registrationOptions(
    user: { id: string; username: string; email: string | null; name: string | null },
    owner: string,
  ): Promise<Ceremony<PublicKeyCredentialCreationOptionsJSON>> {
    const options = await generateRegistrationOptions({
      rpName: this.rp.name,
      rpID: this.rp.id,
      userName: user.email ?? user.username,
      userID: isoBase64URL.toBuffer(this.userHandle(user.id)),
      userDisplayName: user.name ?? user.username,
      timeout: CEREMONY_MS,
      attestationType: 'none',
      excludeCredentials: (await this.passkeysOf(user.id)).map((f) => this.descriptor(f)),
      // Discoverable and user-verified: a passkey, usable without a password (docs/mfa.md).
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    return this.store({ purpose: 'register', owner, userId: user.id }, options);
  }

  /**
   * Verify a new passkey and store it. Only a verified answer stores anything; the user's first factor comes
   * with recovery codes, returned here to be shown once.
   */
  async register(
    userId: string,
    owner: string,
    challengeId: string | undefined,
    responseText: string | undefined,
    name: string | undefined,
  ): Promise<PasskeyEnrolment> {
    const ceremony = await this.spend(challengeId, 'register', owner);
    if (!ceremony || ceremony.userId !== userId) return { outcome: 'failed', message: EXPIRED };
    const response = parseResponse<RegistrationResponseJSON>(responseText);
    if (!response) return this.refuse('register', 'not a WebAuthn registration response', UNREADABLE);
    const verified = await this.verify('register', () =>
      verifyRegistrationResponse({
        response,
        expectedChallenge: ceremony.challenge,
        expectedOrigin: this.rp.origin,
        expectedRPID: this.rp.id,
        requireUserVerification: true,
      }),
    );
    if ('outcome' in verified) return verified;
    const info = verified.registrationInfo;
    if (await this.deps.factors.findByCredentialId(info.credential.id)) {
      return { outcome: 'failed', message: 'This passkey is already registered.' };
    }
    const now = this.deps.now();
    const first = !(await this.deps.factors.hasAny(userId));
    const recoveryCodes = first ? newRecoveryCodes() : undefined;
    const factorId = randomToken(12);
    const backupEligible = info.credentialDeviceType === 'multiDevice';
    await this.deps.factors.add(
      {
        id: factorId,
        user_id: userId,
        kind: 'passkey',
        label: passkeyName(name),
        secret: null,
        last_step: null,
        credential_id: info.credential.id,
        public_key: isoBase64URL.fromBuffer(info.credential.publicKey),
        sign_count: info.credential.counter,
        transports: info.credential.transports?.join(' ') || null,
        backup_eligible: backupEligible,
        backed_up: info.credentialBackedUp,
        created_at: now,
        last_used_at: null,
      },
      recoveryCodes?.map(recoveryCodeDigest),
    );
    const amr = passkeyAmr({ backupEligible, userVerified: info.userVerified });
    return recoveryCodes
      ? { outcome: 'enrolled', factorId, amr, recoveryCodes }
      : { outcome: 'enrolled', factorId, amr };
  }

  /** Options for a passwordless sign-in on login page `interactionId`: any passkey of this site, verified. */
  async signInOptions(interactionId: string): Promise<Ceremony<PublicKeyCredentialRequestOptionsJSON>> {
    const options = await generateAuthenticationOptions({
      rpID: this.rp.id,
      timeout: CEREMONY_MS,
      userVerification: 'required',
    });
    return this.store({ purpose: 'sign-in', owner: interactionId }, options);
  }

  /** Options for the second step of `userId`'s sign-in; undefined when the user has no passkey. */
  async secondFactorOptions(
    userId: string,
    interactionId: string,
  ): Promise<Ceremony<PublicKeyCredentialRequestOptionsJSON> | undefined> {
    const mine = await this.passkeysOf(userId);
    if (!mine.length) return undefined;
    const options = await generateAuthenticationOptions({
      rpID: this.rp.id,
      timeout: CEREMONY_MS,
      allowCredentials: mine.map((f) => this.descriptor(f)),
      // The password was the first factor; verification by the authenticator adds `user` (and so phr).
      userVerification: 'preferred',
    });
    return this.store({ purpose: 'second-factor', owner: interactionId, userId }, options);
  }

  /**
   * Verify a passkey's answer for a sign-in (`userId` undefined: passwordless, the passkey names its user) or for
   * the second step of `userId`'s sign-in. The answer's methods (`hwk`/`swk`, `user`) go into the session's amr.
   */
  async use(
    purpose: 'second-factor' | 'sign-in',
    interactionId: string,
    challengeId: string | undefined,
    responseText: string | undefined,
    userId?: string,
  ): Promise<PasskeyUse> {
    const ceremony = await this.spend(challengeId, purpose, interactionId);
    if (!ceremony || ceremony.userId !== userId) return { outcome: 'failed', message: EXPIRED };
    const response = parseResponse<AuthenticationResponseJSON>(responseText);
    if (!response) return this.refuse(purpose, 'not a WebAuthn authentication response', UNREADABLE);
    const row = await this.deps.factors.findByCredentialId(response.id);
    if (!row || row.kind !== 'passkey' || !row.public_key || (userId && row.user_id !== userId)) {
      return this.refuse(
        purpose,
        'unknown credential',
        userId
          ? 'That passkey is not one of this account’s. Use the passkey you added to your account.'
          : 'That passkey is not registered here. Sign in with your password, then add it on your account page.',
      );
    }
    // WebAuthn §7.2 step 6: the user handle, when given, must be the account's; a passwordless sign-in needs it.
    const handle = response.response.userHandle;
    if (handle === undefined ? !userId : handle !== this.userHandle(row.user_id)) {
      return this.refuse(purpose, 'user handle does not match the credential', UNREADABLE);
    }
    const publicKey = isoBase64URL.toBuffer(row.public_key);
    const verified = await this.verify(purpose, () =>
      verifyAuthenticationResponse({
        response,
        expectedChallenge: ceremony.challenge,
        expectedOrigin: this.rp.origin,
        expectedRPID: this.rp.id,
        credential: {
          id: row.credential_id!,
          publicKey,
          counter: Number(row.sign_count ?? 0),
          ...(row.transports ? { transports: row.transports.split(' ') } : {}),
        },
        // Alone, the passkey must be two factors in one: possession and the user's PIN or biometrics.
        requireUserVerification: purpose === 'sign-in',
      }),
    );
    if ('outcome' in verified) return verified;
    const info = verified.authenticationInfo;
    // WebAuthn §7.2 step 18: backup eligibility never changes for a credential; a change means another key.
    const backupEligible = info.credentialDeviceType === 'multiDevice';
    if (row.backup_eligible !== null && row.backup_eligible !== backupEligible) {
      return this.refuse(purpose, 'backup eligibility changed', UNREADABLE);
    }
    const accepted = await this.deps.factors.acceptPasskeyUse(
      row.id,
      Number(row.sign_count ?? 0),
      info.newCounter,
      info.credentialBackedUp,
      this.deps.now(),
    );
    if (!accepted) return this.refuse(purpose, 'signature counter did not grow', COUNTER);
    return {
      outcome: 'ok',
      userId: row.user_id,
      amr: passkeyAmr({ backupEligible, userVerified: info.userVerified }),
    };
  }

  /**
   * The library's verification of an answer (origin, RP ID, type, challenge, signature, flags): a thrown error or
   * `verified: false` is a refusal with a readable message, its reason logged; a counter that did not grow (a
   * cloned authenticator, or a replay) gets its own message.
   */
  private async verify<T extends { verified: boolean }>(
    purpose: PasskeyPurpose,
    check: () => Promise<T>,
  ): Promise<(T & { verified: true }) | { outcome: 'failed'; message: string }> {
    let result: T;
    try {
      result = await check();
    } catch (e) {
      const reason = (e as Error).message;
      return this.refuse(purpose, reason, /counter/i.test(reason) ? COUNTER : UNREADABLE);
    }
    return result.verified
      ? (result as T & { verified: true })
      : this.refuse(purpose, 'not verified', UNREADABLE);
  }

  private refuse(
    purpose: PasskeyPurpose,
    reason: string,
    message: string,
  ): { outcome: 'failed'; message: string } {
    this.deps.onRejected?.(purpose, reason);
    return { outcome: 'failed', message };
  }
}

const COUNTER =
  'This passkey’s answer was already used, or the passkey was copied. Try again; if this repeats, remove the passkey from your account and add it again.';

/** A passkey's name as the user typed it, or a plain default. */
export function passkeyName(typed: string | undefined): string {
  const name = (typed ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_CHARS);
  return name || 'Passkey';
}

/** A posted answer (JSON from @simplewebauthn/browser): an object with a credential id, or undefined. */
function parseResponse<T extends { id: string }>(text: string | undefined): T | undefined {
  if (!text || text.length > MAX_RESPONSE_CHARS) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || v.id.length === 0 || v.id.length > 1400) return undefined;
  if (typeof v.response !== 'object' || v.response === null) return undefined;
  return value as T;
}
