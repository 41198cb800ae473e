/**
 * Would a browser let the provider's logout page frame an app's front-channel logout URI? Front-Channel Logout
 * 1.0 §2 renders that URI in an iframe of the provider's page, so the app's answer must allow the provider's
 * origin as a frame ancestor. Browsers apply CSP `frame-ancestors` when present (CSP Level 2 §7.7.1) and ignore
 * `X-Frame-Options` then (RFC 7034 §2 as updated by HTML's "X-Frame-Options" processing model); otherwise
 * `X-Frame-Options: DENY` always blocks and `SAMEORIGIN` blocks every other origin.
 */

export interface FramingVerdict {
  blocked: boolean;
  /** Which header decided: the CSP directive, X-Frame-Options, or none. */
  by: 'frame-ancestors' | 'x-frame-options' | null;
  /** The header value that decided, for the report. */
  value: string | null;
  reason: string;
}

type HeaderValue = string | string[] | undefined;

const list = (v: HeaderValue): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The `frame-ancestors` source lists of every enforced CSP (several policies all apply; each is split on `,` as
 * a header list and on `;` into directives, CSP3 §2.2.1). Report-only policies do not block and are skipped.
 */
export function frameAncestors(csp: HeaderValue): string[][] {
  const out: string[][] = [];
  for (const header of list(csp)) {
    for (const policy of header.split(',')) {
      for (const directive of policy.split(';')) {
        const [name, ...sources] = directive.trim().split(/\s+/);
        // CSP3 §2.2.1: only the first occurrence of a directive in a policy counts.
        if (name?.toLowerCase() === 'frame-ancestors') {
          out.push(sources.map((s) => s.toLowerCase()));
          break;
        }
      }
    }
  }
  return out;
}

/** Does one CSP source expression (CSP3 §6.7.2.5-8, the parts frame-ancestors uses) match `ancestor`? */
export function sourceMatches(source: string, ancestor: URL, framed: URL): boolean {
  if (source === "'self'") return ancestor.origin === framed.origin;
  if (source === "'none'") return false;
  if (source === '*') return ancestor.protocol === 'http:' || ancestor.protocol === 'https:';
  const scheme = /^([a-z][a-z0-9+.-]*):$/.exec(source);
  if (scheme) {
    // An http: source also allows https: (CSP3 §6.7.2.8 upgrade rule).
    return ancestor.protocol === `${scheme[1]}:` || (scheme[1] === 'http' && ancestor.protocol === 'https:');
  }
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([a-z0-9.-]+|\*)(?::(\d+|\*))?(\/.*)?$/.exec(source);
  if (!m) return false;
  const [, srcScheme, wildcard, host, port] = m;
  if (srcScheme) {
    const ok =
      ancestor.protocol === `${srcScheme}:` || (srcScheme === 'http' && ancestor.protocol === 'https:');
    if (!ok) return false;
  } else if (ancestor.protocol !== 'https:' && ancestor.protocol !== 'http:') return false;
  const ancestorHost = ancestor.hostname.toLowerCase();
  if (wildcard) {
    if (!ancestorHost.endsWith(`.${host}`)) return false;
  } else if (host !== '*' && ancestorHost !== host) return false;
  if (port === '*') return true;
  const ancestorPort = ancestor.port || (ancestor.protocol === 'https:' ? '443' : '80');
  if (port) return port === ancestorPort;
  const srcDefault = (srcScheme ?? ancestor.protocol.slice(0, -1)) === 'https' ? '443' : '80';
  // A default-port http source also allows the default https port (the same upgrade rule as the scheme).
  return ancestorPort === srcDefault || (srcDefault === '80' && ancestorPort === '443');
}

/** The verdict for a page at `framed`, embedded by a page of `provider`, given the page's response headers. */
export function framingVerdict(
  headers: Record<string, HeaderValue>,
  provider: URL,
  framed: URL,
): FramingVerdict {
  const csp = frameAncestors(headers['content-security-policy']);
  if (csp.length > 0) {
    const value = csp.map((s) => `frame-ancestors ${s.join(' ')}`).join(', ');
    // Every enforced policy must allow the ancestor.
    const refusing = csp.find((sources) => !sources.some((s) => sourceMatches(s, provider, framed)));
    if (refusing) {
      return {
        blocked: true,
        by: 'frame-ancestors',
        value,
        reason: `Content-Security-Policy "${value}" does not allow ${provider.origin} to frame the page`,
      };
    }
    return {
      blocked: false,
      by: 'frame-ancestors',
      value,
      reason: `frame-ancestors allows ${provider.origin}`,
    };
  }
  const xfo = list(headers['x-frame-options'])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim().toUpperCase())
    .filter(Boolean);
  if (xfo.length > 0) {
    const value = xfo.join(', ');
    // HTML's processing model: any DENY blocks; SAMEORIGIN blocks unless every ancestor is same-origin.
    if (xfo.includes('DENY')) {
      return {
        blocked: true,
        by: 'x-frame-options',
        value,
        reason: 'X-Frame-Options: DENY forbids any frame',
      };
    }
    if (xfo.includes('SAMEORIGIN') && provider.origin !== framed.origin) {
      return {
        blocked: true,
        by: 'x-frame-options',
        value,
        reason: `X-Frame-Options: SAMEORIGIN forbids frames from ${provider.origin}`,
      };
    }
    return {
      blocked: false,
      by: 'x-frame-options',
      value,
      reason: `X-Frame-Options: ${value} allows the frame`,
    };
  }
  return { blocked: false, by: null, value: null, reason: 'no X-Frame-Options or frame-ancestors: framable' };
}
