/**
 * A local certificate authority and one certificate for the demo's five hosts, made once with openssl and kept
 * in `.data/certs` (never committed). Trust `ca.pem` in your browser to avoid warnings, or accept the warning
 * once per site. The demo's own Node code trusts the CA explicitly; nothing turns certificate checks off.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DemoCerts {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: string;
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string) {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`openssl failed (is it installed?): ${(e as Error).message}`);
  }
}

export function ensureCerts(dataDir: string, hosts: string[]): DemoCerts {
  const dir = join(dataDir, 'certs');
  mkdirSync(dir, { recursive: true });
  const files = {
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'cert.pem'),
    keyFile: join(dir, 'key.pem'),
  };
  const sanFile = join(dir, 'san.txt');
  const san = `subjectAltName=${[...hosts.map((h) => `DNS:${h}`), 'IP:127.0.0.1'].join(',')}`;
  const fresh = !existsSync(files.certFile) || !existsSync(sanFile) || readFileSync(sanFile, 'utf8') !== san;
  if (fresh) {
    if (!existsSync(files.caFile)) {
      openssl(
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          'ca-key.pem',
          '-out',
          'ca.pem',
          '-days',
          '825',
          '-subj',
          '/CN=Adieu demo local CA',
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,cRLSign',
        ],
        dir,
      );
    }
    writeFileSync(join(dir, 'ext.cnf'), `${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    openssl(
      [
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'req.pem',
        '-subj',
        '/CN=Adieu demo',
      ],
      dir,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        'req.pem',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca-key.pem',
        '-CAcreateserial',
        '-out',
        'cert.pem',
        '-days',
        '397',
        '-extfile',
        'ext.cnf',
      ],
      dir,
    );
    writeFileSync(sanFile, san);
  }
  return {
    dir,
    ...files,
    ca: readFileSync(files.caFile, 'utf8'),
    cert: readFileSync(files.certFile, 'utf8'),
    key: readFileSync(files.keyFile, 'utf8'),
  };
}
