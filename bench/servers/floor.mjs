/**
 * Child process: the signature floor (RS256, or ES256 with `--alg ES256`), measured on the same core as the providers
 * and in the same run.
 * A flow cannot cost less CPU than the RS256 signatures it makes; the report gives each flow's CPU per flow as a
 * multiple of (signatures x this floor). node:crypto `sign` with a 2048-bit RSA KeyObject is what OpenSSL does
 * for `openssl speed rsa2048`: the RSA arithmetic alone.
 *
 * Beside it, the JWT floor: a whole JWT signed by jose, the JOSE library both providers use (DESIGN.md §5), through
 * WebCrypto on libuv's pool as they do. It adds what any provider built on jose pays per token around the
 * arithmetic: the claims builder, JSON, base64url, and the hand-off to the pool and back.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
// jose is installed with the workspace packages (and oidc-provider, the peer); the bench signs with the same copy.
import { SignJWT, importJWK } from 'jose';
import { serve } from '../lib/rpc.mjs';

// The run's algorithm (`--alg`): RS256 with a 2048-bit key unless the run asks for ES256 (P-256); set at start.
let alg = 'RS256';
let privateKey;
// A JWS signing input of the size of an ID token (header.payload, ~600 bytes).
const input = Buffer.from('eyJhbGciOiJSUzI1NiJ9.' + 'x'.repeat(600));
// Both providers hold their signing key as a CryptoKey imported from a JWK.
let cryptoKey;
/** Claims of an ID token from a refresh (about the size of both providers' tokens in the bench). */
const idTokenClaims = {
  sub: 'c7a4d2f0-5b1e-4f8e-9a6b-2d3c4e5f6a7b',
  aud: 'bench-client',
  azp: 'bench-client',
  auth_time: 1_764_770_000,
  sid: 'Yk3lq0yVQ2mJ8x7sPz4rTn6wHc1dFg9b',
  acr: 'urn:adieu:acr:pwd',
  amr: ['pwd'],
  at_hash: 'x4Qe2gC7Rk9zJm1Lp3Vt6w',
  nonce: 'n-0S6_WzA2Mj',
};
/** As many signatures in flight as libuv's pool has threads (4 unless UV_THREADPOOL_SIZE says otherwise). */
const IN_FLIGHT = Number(process.env.UV_THREADPOOL_SIZE ?? 4);

function signJwt() {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT(idTokenClaims)
    .setProtectedHeader({ alg, kid: 'bench-key', typ: 'JWT' })
    .setIssuer('http://127.0.0.1:4000')
    .setIssuedAt(iat)
    .setExpirationTime(iat + 300)
    .sign(cryptoKey);
}

/** Sign with node:crypto back to back for `ms` milliseconds: [CPU µs, signatures]. */
function rawSlice(ms) {
  const cpu0 = process.cpuUsage();
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    sign('sha256', input, privateKey);
    n++;
  }
  const cpu = process.cpuUsage(cpu0);
  return [cpu.user + cpu.system, n];
}

/** Sign JWTs for `ms` milliseconds, IN_FLIGHT at a time, every thread's CPU counted: [CPU µs, JWTs]. */
async function jwtSlice(ms) {
  const cpu0 = process.cpuUsage();
  const end = performance.now() + ms;
  let n = 0;
  const worker = async () => {
    while (performance.now() < end) {
      await signJwt();
      n++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const cpu = process.cpuUsage(cpu0);
  return [cpu.user + cpu.system, n];
}

/** Slices of each kind alternate, so that the machine's drift (a third within minutes on some VMs) hits both. */
const SLICE_MS = 50;
/**
 * Untimed signing before each sample. The bench samples once per round, after the process sat idle for seconds,
 * and the first few hundred ms of JWTs after such a pause cost more (seventeenth session, 12 s pauses: 1.30–1.44×
 * the signature without this, 1.16–1.20× with it, 1.15–1.19× back to back), which made the JWT floor read higher
 * than a JWT costs inside a busy server.
 */
const WARM_MS = 400;

serve({
  async start(o = {}) {
    alg = o.alg ?? 'RS256';
    privateKey =
      alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
        : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    cryptoKey = await importJWK({ ...privateKey.export({ format: 'jwk' }), alg }, alg);
    for (let i = 0; i < 50; i++) sign('sha256', input, privateKey); // warm up
    for (let i = 0; i < 50; i++) await signJwt();
    return {};
  },
  /**
   * Sign for `ms` milliseconds with each method, in alternating slices: CPU ms per signature (process CPU time /
   * signatures) and CPU ms per JWT.
   */
  async measure(ms) {
    rawSlice(SLICE_MS);
    await jwtSlice(WARM_MS);
    let raw = [0, 0];
    let jwt = [0, 0];
    for (let spent = 0; spent < ms; spent += SLICE_MS) {
      const r = rawSlice(SLICE_MS);
      const j = await jwtSlice(SLICE_MS);
      raw = [raw[0] + r[0], raw[1] + r[1]];
      jwt = [jwt[0] + j[0], jwt[1] + j[1]];
    }
    return { cpuMsPerSign: raw[0] / 1000 / raw[1], signs: raw[1], cpuMsPerJwt: jwt[0] / 1000 / jwt[1] };
  },
  stop() {},
});
