import { html, type SafeHtml } from '../views/html.js';

/** Small formatting helpers shared by the console's pages. */

export const enc = encodeURIComponent;
/** A query string of the non-empty values, with its `?`. */
export const qs = (o: Record<string, string | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
};

/** A short description of a browser from its User-Agent, for the devices column. */
export function device(ua: string | null): string {
  if (!ua) return 'unknown device';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Chrom(e|ium)\//.test(ua)
      ? 'Chrome'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Safari\//.test(ua)
          ? 'Safari'
          : (ua.split(/[ /]/)[0] ?? 'browser');
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

/** A coloured badge for a delivery, channel or check status. */
export function statusBadge(s: string): SafeHtml {
  const kind = ['delivered', 'confirmed', 'acknowledged', 'reached', 'ok'].includes(s)
    ? 'ok'
    : ['failed', 'rejected', 'not_confirmed', 'timeout'].includes(s)
      ? 'bad'
      : 'warn';
  return html`<span class="badge ${kind}">${s.replace(/_/g, ' ')}</span>`;
}

/**
 * The first cell of a console list row: the item's name, linked to its page, above its id in `<code>` (clients,
 * connections: the name is what people read, the id what they type).
 */
export function linkedName(href: string, name: string, id: string): SafeHtml {
  return html`<a href="${href}">${name}</a><br /><code>${id}</code>`;
}
