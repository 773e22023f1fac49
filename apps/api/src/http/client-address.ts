import { isIP } from 'node:net';
import type { Request } from 'express';
import proxyaddr from 'proxy-addr';

const CLIENT = Symbol('clientAddress');

/**
 * Which peers' `X-Forwarded-For` is believed: the addresses and CIDR blocks of TRUSTED_PROXIES
 * (proxy-addr's syntax, also `loopback`, `linklocal`, `uniquelocal`). Empty: nobody's, the peer is
 * the client. Give it to Express as `trust proxy`.
 */
export function trustProxies(list: readonly string[]): (address: string, hop: number) => boolean {
  if (list.length === 0) return () => false;
  return proxyaddr.compile([...list]);
}

/**
 * The client's address, for rate limits, fair shares and logs: walking `X-Forwarded-For` from the
 * right, the first hop that is not a trusted proxy. A hop that is not an IP address (whatever a
 * client wrote there) is never taken: the last well-formed address before it is. Uses the app's
 * `trust proxy` setting; without one, the peer address.
 */
export function clientAddress(req: Request): string {
  const memo = (req as { [CLIENT]?: string })[CLIENT];
  if (memo !== undefined) return memo;
  const trust = req.app.get('trust proxy fn') as ((address: string, hop: number) => boolean) | undefined;
  const hops = trust ? proxyaddr.all(req, trust) : [req.socket.remoteAddress ?? ''];
  let address = 'unknown';
  for (const hop of hops) {
    if (isIP(hop) === 0) break;
    address = hop;
  }
  address = address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  (req as { [CLIENT]?: string })[CLIENT] = address;
  return address;
}
