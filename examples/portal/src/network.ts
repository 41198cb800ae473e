import { rootCertificates } from 'node:tls';
import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import type { FetchLike } from '@adieu/node';

/**
 * How the demo's servers reach each other: the demo host names resolve to 127.0.0.1 (Node does not resolve
 * `*.localhost` by itself) and the demo CA is trusted in addition to the system roots.
 */
export function demoFetch(hosts: string[], ca: string): FetchLike {
  const agent = new Agent({
    connect: {
      ca: [...rootCertificates, ca],
      lookup(hostname, options, callback) {
        const address = hosts.includes(hostname) ? '127.0.0.1' : hostname;
        if (isIP(address)) {
          if ((options as { all?: boolean }).all) return callback(null, [{ address, family: 4 }]);
          return callback(null, address, 4);
        }
        return callback(new Error(`the demo resolves only its own hosts, not ${hostname}`), '', 4);
      },
    },
  });
  return (url, init) =>
    undiciFetch(url, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
}
