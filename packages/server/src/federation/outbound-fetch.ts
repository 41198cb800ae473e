import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import { outboundCaBundle } from '../util/ca-bundle.js';

export interface OutboundOptions {
  /** host -> address overrides (config `resolve`), for upstreams on private names. */
  resolve: Readonly<Record<string, string>>;
  /** Extra CA files (config `outbound_ca`), added to the system store and NODE_EXTRA_CA_CERTS. */
  extraCa: readonly string[];
  timeoutMs: number;
}

/** The fetch signature openid-client and jose accept for their `customFetch` options. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/**
 * A fetch for talking to upstream providers: the configured host map and CA files, a timeout on every request,
 * and certificate checks that are never disabled. Config-file connections are trusted like static clients, so
 * loopback and private addresses are allowed (CONTRACT.md).
 */
export function outboundFetch(o: OutboundOptions): FetchLike {
  const ca = outboundCaBundle(o.extraCa);
  const agent = new Agent({
    connect: {
      ...(ca ? { ca } : {}),
      lookup: (hostname, opts, cb) => {
        const mapped = o.resolve[hostname];
        if (!mapped) return dnsLookup(hostname, opts, cb);
        const family = mapped.includes(':') ? 6 : 4;
        if ((opts as { all?: boolean }).all) {
          const all: LookupAddress[] = [{ address: mapped, family }];
          return (cb as unknown as (e: null, a: LookupAddress[]) => void)(null, all);
        }
        return cb(null, mapped, family);
      },
    },
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
  });
  return (url, init) =>
    undiciFetch(url, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher: agent,
      signal: init.signal ?? AbortSignal.timeout(o.timeoutMs),
    }) as unknown as Promise<Response>;
}
