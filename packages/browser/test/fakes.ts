/** Test doubles for the browser APIs the SDK touches, so its rules can be checked in Node. */
import { createHash, randomBytes } from 'node:crypto';

/** An in-memory Web Storage area; `refuse` makes every access throw, like a blocked third-party frame. */
export class FakeStorage implements Storage {
  private readonly map = new Map<string, string>();
  refuse = false;
  private check() {
    if (this.refuse) throw new DOMException('The operation is insecure.', 'SecurityError');
  }
  get length() {
    this.check();
    return this.map.size;
  }
  clear() {
    this.check();
    this.map.clear();
  }
  getItem(k: string) {
    this.check();
    return this.map.get(k) ?? null;
  }
  key(i: number) {
    this.check();
    return [...this.map.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.check();
    this.map.delete(k);
  }
  setItem(k: string, v: string) {
    this.check();
    this.map.set(k, String(v));
  }
}

const b64u = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** An unsigned-looking compact JWT with these claims (the SDK does not verify signatures; see jwt.ts). */
export function fakeJwt(claims: Record<string, unknown>): string {
  return `${b64u(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64u(JSON.stringify(claims))}.${b64u(randomBytes(8))}`;
}

export const ISSUER = 'https://idp.example';
export const CLIENT_ID = 'spa';

export function idTokenClaims(over: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER,
    sub: 'user-alice',
    aud: CLIENT_ID,
    azp: CLIENT_ID,
    exp: now + 3600,
    iat: now,
    sid: 'sid-alice',
    preferred_username: 'alice',
    name: 'Alice',
    ...over,
  };
}

export const METADATA = JSON.stringify({
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  end_session_endpoint: `${ISSUER}/end_session`,
});

/** RFC 7636 Appendix B, computed independently with node:crypto. */
export function s256Reference(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** A fetch that answers from a handler and records requests. */
export function fakeFetch(
  handler: (url: string, body: URLSearchParams) => { status: number; json: unknown },
) {
  const calls: { url: string; body: URLSearchParams }[] = [];
  const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const body = new URLSearchParams(typeof init?.body === 'string' ? init.body : '');
    calls.push({ url, body });
    const r = handler(url, body);
    return new Response(JSON.stringify(r.json), {
      status: r.status,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
  return { fetch: f, calls };
}
