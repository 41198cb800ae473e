/**
 * Child process: the RS256 signature floor, measured on the same core as the providers and in the same run.
 * A flow cannot cost less CPU than the RS256 signatures it makes; the report gives each flow's CPU per flow as a
 * multiple of (signatures x this floor). node:crypto `sign` with a 2048-bit RSA KeyObject is what OpenSSL does
 * for `openssl speed rsa2048`; jose signs through the same call on Node.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { serve } from '../lib/rpc.mjs';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
// A JWS signing input of the size of an ID token (header.payload, ~600 bytes).
const input = Buffer.from('eyJhbGciOiJSUzI1NiJ9.' + 'x'.repeat(600));

serve({
  start() {
    for (let i = 0; i < 50; i++) sign('sha256', input, privateKey); // warm up
    return {};
  },
  /** Sign back to back for `ms` milliseconds; CPU ms per signature (process CPU time / signatures). */
  measure(ms) {
    const cpu0 = process.cpuUsage();
    const end = performance.now() + ms;
    let n = 0;
    while (performance.now() < end) {
      sign('sha256', input, privateKey);
      n++;
    }
    const cpu = process.cpuUsage(cpu0);
    return { cpuMsPerSign: (cpu.user + cpu.system) / 1000 / n, signs: n };
  },
  stop() {},
});
