/**
 * A software WebAuthn authenticator for protocol tests (Chromium's virtual authenticator covers the browser in
 * test/e2e): it creates ES256 credentials with "none" attestation and signs assertions exactly as WebAuthn §6
 * lays the bytes out, and can be told to lie — another origin, another RP ID, an old signature counter — so the
 * provider's checks are exercised with answers a real authenticator would never give.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

interface Credential {
  id: Buffer<ArrayBuffer>;
  privateKey: KeyObject;
  userHandle: string;
  counter: number;
}

export interface CeremonyOptions {
  challenge: string;
  rp?: { id?: string };
  rpId?: string;
  user?: { id: string };
  allowCredentials?: { id: string }[];
}

/** What a test may change in one answer. */
export interface Lie {
  origin?: string;
  rpId?: string;
  type?: string;
  challenge?: string;
  counter?: number;
  userVerified?: boolean;
  userHandle?: string | null;
}

const b64u = (b: Uint8Array<ArrayBuffer>) => isoBase64URL.fromBuffer(b);
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

export class SoftAuthenticator {
  readonly credentials: Credential[] = [];

  constructor(private readonly o: { origin: string; backupEligible?: boolean; userVerifies?: boolean }) {}

  private flags(at: boolean, uv: boolean): number {
    const be = this.o.backupEligible ? 0x08 | 0x10 : 0;
    return 0x01 | (uv ? 0x04 : 0) | be | (at ? 0x40 : 0);
  }

  private clientData(type: string, challenge: string, lie: Lie): string {
    return b64u(
      Buffer.from(
        JSON.stringify({
          type: lie.type ?? type,
          challenge: lie.challenge ?? challenge,
          origin: lie.origin ?? this.o.origin,
          crossOrigin: false,
        }),
      ),
    );
  }

  /** navigator.credentials.create(): a new discoverable credential for the options' user. */
  create(options: CeremonyOptions, lie: Lie = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const id = randomBytes(32);
    const cred = { id, privateKey, userHandle: options.user!.id, counter: 0 };
    const rpId = lie.rpId ?? options.rp!.id!;
    const counter = Buffer.alloc(4);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.flags(true, lie.userVerified ?? this.o.userVerifies ?? true)]),
      counter,
      Buffer.alloc(16), // aaguid: none
      idLength,
      id,
      Buffer.from(cose),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, never> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, never>()],
        ['authData', authData],
      ]),
    );
    this.credentials.push(cred);
    return {
      id: b64u(id),
      rawId: b64u(id),
      type: 'public-key',
      response: {
        clientDataJSON: this.clientData('webauthn.create', options.challenge, lie),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get(): an assertion by one of the allowed credentials (or any, discoverable). */
  get(options: CeremonyOptions, lie: Lie = {}, credential?: Credential) {
    const allowed = options.allowCredentials?.map((c) => c.id);
    const cred = credential ?? this.credentials.find((c) => !allowed?.length || allowed.includes(b64u(c.id)));
    if (!cred) throw new Error('no credential for these options');
    cred.counter = lie.counter ?? cred.counter + 1;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(cred.counter);
    const authData = Buffer.concat([
      sha256(lie.rpId ?? options.rpId!),
      Buffer.from([this.flags(false, lie.userVerified ?? this.o.userVerifies ?? true)]),
      counter,
    ]);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, lie);
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, 'base64url'))]),
      cred.privateKey,
    );
    return {
      id: b64u(cred.id),
      rawId: b64u(cred.id),
      type: 'public-key',
      response: {
        clientDataJSON,
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        ...(lie.userHandle === null ? {} : { userHandle: lie.userHandle ?? cred.userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
