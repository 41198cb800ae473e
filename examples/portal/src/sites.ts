/**
 * Where the demo lives. Five hosts on five different sites, so the browser treats them as cross-site exactly as
 * it would in production (plain `localhost` on several ports would be one site). `*.localhost` names resolve to
 * the loopback address in Chrome, Edge and Firefox without any /etc/hosts change.
 */
export interface DemoSites {
  domain: string;
  ports: { idp: number; portal: number; bookings: number; expenses: number; acme: number };
  host(name: SiteName): string;
  origin(name: SiteName): string;
}

/** `acme` is the demo's upstream identity provider ("Acme Corp", another company's server). */
export type SiteName = 'idp' | 'portal' | 'bookings' | 'expenses' | 'acme';
export const SITE_NAMES: SiteName[] = ['idp', 'portal', 'bookings', 'expenses', 'acme'];

export const DEFAULT_PORTS = { idp: 8443, portal: 8444, bookings: 8445, expenses: 8446, acme: 8447 };

export function demoSites(domain = 'localhost', ports = DEFAULT_PORTS): DemoSites {
  const host = (name: SiteName) => `${name}.${domain}`;
  return {
    domain,
    ports,
    host,
    origin: (name) => `https://${host(name)}:${ports[name]}`,
  };
}
