import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, request } from 'undici';
import { outboundCaBundle } from '../util/ca-bundle.js';

export interface SendResult {
  outcome: 'delivered' | 'rejected' | 'retry';
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** What one outbound request got back (see BackchannelSender.exchange). */
export interface Exchange {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** The start of the body (at most the requested limit). */
  text: string;
  durationMs: number;
}

/** A network or TLS failure of an outbound request, in words (timeouts named as such). */
export function describeSendError(e: unknown, timeoutMs: number): string {
  const err = e as NodeJS.ErrnoException;
  return err.name === 'TimeoutError' || err.name === 'AbortError'
    ? `timed out after ${timeoutMs} ms`
    : `${err.code ?? err.name}: ${err.message}`;
}

export interface SenderOptions {
  timeoutMs: number;
  /** host -> address overrides (tests and private DNS-less setups). */
  resolve: Readonly<Record<string, string>>;
  /** Let dynamically registered clients reach loopback/private/link-local addresses. */
  allowPrivateNetworkForRegistered: boolean;
  /** Extra CA files trusted besides the system store and NODE_EXTRA_CA_CERTS. */
  extraCa?: readonly string[];
}

/** Networks a dynamically registered client must not make us call (SSRF guard, checked at connect time). */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['::ffff:0:0', 96],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * POSTs logout tokens. Every request has a timeout, follows no redirects (a redirect is not an
 * acknowledgement), and resolves hosts through the configured map first. Dynamically registered clients go
 * through an agent whose lookup refuses private addresses, so the check holds even if DNS changes after
 * registration.
 */
export class BackchannelSender {
  private readonly open: Agent;
  private readonly guarded: Agent;

  constructor(private readonly options: SenderOptions) {
    const ca = outboundCaBundle(this.options.extraCa ?? []);
    const make = (guard: boolean) =>
      new Agent({
        connect: { lookup: this.lookup(guard), ...(ca ? { ca } : {}) },
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        connections: 64,
      });
    this.open = make(false);
    this.guarded = options.allowPrivateNetworkForRegistered ? this.open : make(true);
  }

  private lookup(guard: boolean) {
    const map = this.options.resolve;
    return (hostname: string, opts: { all?: boolean }, cb: LookupCallback) => {
      const done = (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
        if (err) return cb(err, []);
        if (guard) {
          const bad = addresses.find((a) => isPrivateAddress(a.address));
          if (bad) {
            const e = new Error(
              `refused to connect to private address ${bad.address}`,
            ) as NodeJS.ErrnoException;
            e.code = 'EPRIVATE';
            return cb(e, []);
          }
        }
        if (opts.all) return cb(null, addresses);
        const first = addresses[0]!;
        return cb(null, first.address, first.family);
      };
      const mapped = map[hostname];
      if (mapped) return done(null, [{ address: mapped, family: isIP(mapped) === 6 ? 6 : 4 }]);
      dnsLookup(hostname, { all: true }, (err, addresses) => done(err, addresses));
    };
  }

  /**
   * One outbound request through the same agents (SSRF guard, CA set, timeout, no redirects followed): the
   * status, headers and the first `limit` bytes of the body. Throws the network/TLS error as it came. The outbox
   * uses it through `send`; the logout doctor uses it to show app developers exactly what the provider sees.
   */
  async exchange(
    uri: string,
    init: { method: 'GET' | 'POST'; guarded: boolean; form?: Record<string, string>; limit?: number },
  ): Promise<Exchange> {
    const started = performance.now();
    const res = await request(uri, {
      method: init.method,
      dispatcher: init.guarded ? this.guarded : this.open,
      headers: init.form
        ? { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json, */*' }
        : { accept: 'text/html, */*' },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const text = await readLimited(res.body, init.limit ?? 1024);
    return {
      statusCode: res.statusCode,
      headers: res.headers,
      text,
      durationMs: Math.round(performance.now() - started),
    };
  }

  async send(uri: string, logoutToken: string, guarded: boolean): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const res = await this.exchange(uri, { method: 'POST', guarded, form: { logout_token: logoutToken } });
      const text = res.text;
      const code = res.statusCode;
      // Back-Channel Logout §2.8: 200 (we also take 204) means done; 400 means the RP refused the token.
      if (code === 200 || code === 204)
        return { outcome: 'delivered', statusCode: code, error: null, durationMs: elapsed() };
      const snippet = text ? `: ${text.replace(/\s+/g, ' ').slice(0, 300)}` : '';
      if (code >= 500 || code === 408 || code === 429) {
        return { outcome: 'retry', statusCode: code, error: `HTTP ${code}${snippet}`, durationMs: elapsed() };
      }
      // 400 and any other answer that a retry will not change (3xx: we never follow redirects; 401/403/404).
      return {
        outcome: 'rejected',
        statusCode: code,
        error: `HTTP ${code}${snippet}`,
        durationMs: elapsed(),
      };
    } catch (e) {
      const message = describeSendError(e, this.options.timeoutMs);
      if ((e as NodeJS.ErrnoException).code === 'EPRIVATE')
        return { outcome: 'rejected', statusCode: null, error: message, durationMs: elapsed() };
      return { outcome: 'retry', statusCode: null, error: message, durationMs: elapsed() };
    }
  }

  async close(): Promise<void> {
    await this.open.close();
    if (this.guarded !== this.open) await this.guarded.close();
  }
}

async function readLimited(
  body: AsyncIterable<Buffer> & { destroy(): void },
  limit: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}
