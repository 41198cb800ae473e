import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/**
 * Why the configured TLS files cannot serve HTTPS (missing, unreadable, not PEM, or a key that does not belong
 * to the certificate), or undefined when they can. `adieu doctor` runs it so that "config ok" means `start`
 * will get past TLS.
 */
export function tlsProblem(tls: { cert: string; key: string } | undefined): string | undefined {
  if (!tls) return undefined;
  const files: Record<string, Buffer> = {};
  for (const [name, file] of Object.entries(tls)) {
    try {
      files[name] = readFileSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return `tls.${name}: cannot read ${file}${code === 'ENOENT' ? ' (no such file)' : code ? ` (${code})` : ''}`;
    }
  }
  try {
    createSecureContext({ cert: files.cert, key: files.key });
  } catch (e) {
    return `tls: the certificate and key do not work together (${e instanceof Error ? e.message : String(e)})`;
  }
  return undefined;
}
