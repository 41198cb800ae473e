/**
 * CPU per signed ID token, split by layer (issue 18, bench/README.md "Where Adieu's time goes"): is the cost of a
 * JWT above the bare RSA signature WebCrypto's, or jose's?
 * - `jose`: jose's `SignJWT` with a `CryptoKey`, as Adieu's `TokenSigner` signs (protocol/jwt.ts);
 * - `subtle`: the same header and claims serialised with JSON and base64url, signed by `crypto.subtle.sign` with
 *   the same `CryptoKey`: WebCrypto without jose;
 * - `node-async`: the same bytes signed by `node:crypto`'s `sign` with a callback (libuv's pool, no WebCrypto);
 * - `node-sync`: the same on the calling thread (the signature floor's way: what the RSA arithmetic costs).
 * Rounds of 3,000 tokens, 16 in flight, the variants back to back in each round; the median CPU of this process
 * (every thread) per token, and each variant's median per-round difference to `node-sync`. Pin it to one core
 * (`taskset -c 1`) so that the pool threads share the core the way a pinned provider's do.
 *
 *   taskset -c 1 node bench/tools/jwt-sign-cost.mjs [ROUNDS=9]
 */
import { generateKeyPairSync, sign, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { SignJWT, importPKCS8 } from 'jose';
import { median } from '../lib/load.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const TOKENS = 3_000;
const IN_FLIGHT = 16;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const cryptoKey = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }), 'RS256');
const signAsync = promisify(sign);
const header = { alg: 'RS256', kid: 'bench-key', typ: 'JWT' };
const issuer = 'http://127.0.0.1:3000';

/** Claims of the size and shape of an Adieu ID token (bench "Token responses"), a fresh nonce each. */
let n = 0;
const claims = () => ({
  sub: 'usr_5f0c1c2f9e4b4c6d8a7e',
  aud: 'bench-web',
  azp: 'bench-web',
  auth_time: 1_764_000_000,
  acr: 'urn:adieu:acr:pwd',
  amr: ['pwd'],
  sid: 'sid_b0a7d4c3e2f1a0b9c8d7e6f5',
  nonce: `nonce-${++n}`,
  at_hash: 'x3dL1fXxgF3d2Ck4b9hQeA',
  login_hint: 'lh_3c2b1a0f9e8d',
  session_persistent: false,
});
const json = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** The JWS signing input `jose` would make (the same header and claims, iss/iat/exp added the way it adds them). */
const signingInput = () => {
  const iat = Math.floor(Date.now() / 1000);
  return Buffer.from(`${json(header)}.${json({ ...claims(), iss: issuer, iat, exp: iat + 300 })}`);
};
const compact = (input, signature) => `${input}.${Buffer.from(signature).toString('base64url')}`;

const variants = {
  jose: () => {
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT(claims())
      .setProtectedHeader(header)
      .setIssuer(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 300)
      .sign(cryptoKey);
  },
  subtle: async () => {
    const input = signingInput();
    return compact(input, await webcrypto.subtle.sign('RSASSA-PKCS1-v1_5', cryptoKey, input));
  },
  'node-async': async () => {
    const input = signingInput();
    return compact(input, await signAsync('sha256', input, privateKey));
  },
  'node-sync': async () => {
    const input = signingInput();
    return compact(input, sign('sha256', input, privateKey));
  },
};

/** CPU µs per token of `count` tokens made by `variant`, `IN_FLIGHT` at a time. */
async function cpuPerToken(variant, count) {
  let left = count;
  const worker = async () => {
    while (left-- > 0) await variants[variant]();
  };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

const names = Object.keys(variants);
for (const name of names) await cpuPerToken(name, 1_000); // warm-up: JIT, key caches, the pool's threads
const samples = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const name of names) samples[name].push(await cpuPerToken(name, TOKENS));
  process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
}
console.log(`CPU per ID token, µs (median of ${ROUNDS} rounds of ${TOKENS}, ${IN_FLIGHT} in flight):`);
for (const name of names) {
  const diffs = samples[name].map((v, i) => v - samples['node-sync'][i]);
  console.log(
    `${name.padEnd(11)} ${median(samples[name]).toFixed(1).padStart(7)}   − node-sync: ${median(diffs).toFixed(1).padStart(6)}`,
  );
}
