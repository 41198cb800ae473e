import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/**
 * The CA set for outbound HTTPS with extra CA files (config `outbound_ca`), or undefined for Node's defaults.
 * Passing `ca` replaces Node's defaults, so they are put back: system roots and NODE_EXTRA_CA_CERTS.
 */
export function outboundCaBundle(extraCaFiles: readonly string[]): string[] | undefined {
  if (extraCaFiles.length === 0) return undefined;
  const bundle = [...rootCertificates, ...extraCaFiles.map((f) => readFileSync(f, 'utf8'))];
  const envExtra = process.env.NODE_EXTRA_CA_CERTS;
  if (envExtra) bundle.push(readFileSync(envExtra, 'utf8'));
  return bundle;
}
