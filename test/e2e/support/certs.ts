/**
 * A throw-away TLS certificate for the `.test` hosts of browser tests (BROWSER-TESTING.md §3), generated at
 * test start with openssl and never committed. Node clients trust it through their `ca` option (and the
 * provider through `outbound_ca`); Chromium runs with --ignore-certificate-errors.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export const TEST_HOSTS = [
  'idp.test',
  'idp2.test',
  'portal.test',
  'bookings.test',
  'expenses.test',
  'app.test',
  'app2.test',
  'shop.test',
  'spa.test',
  'rp.test',
  'rp2.test',
  'rp3.test',
  'localhost',
];

export interface TestCert {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

let cached: TestCert | undefined;

/** One certificate per test process, valid for every TEST_HOSTS name and 127.0.0.1. */
export function testCert(): TestCert {
  if (cached) return cached;
  const dir = join(tmpdir(), `adieu-certs-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  if (!existsSync(certFile)) {
    const san = [...TEST_HOSTS.map((h) => `DNS:${h}`), 'IP:127.0.0.1'].join(',');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '2',
        '-subj',
        '/CN=adieu-test',
        '-addext',
        `subjectAltName=${san}`,
      ],
      { stdio: 'ignore' },
    );
  }
  cached = { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  return cached;
}
