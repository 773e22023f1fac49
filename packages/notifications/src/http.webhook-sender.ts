import dns, { type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { ERRORS, type WebhookResponse, type WebhookSender } from '@pictor/core';

type Lookup = typeof dns.lookup;

export interface HttpWebhookSenderOptions {
  /** CIDRs allowed even though private (WEBHOOK_ALLOWED_CIDRS), e.g. a receiver on loopback in tests. */
  allowedCidrs?: readonly string[];
  timeoutMs?: number;
  /** Bytes of an answer read at most; the rest is dropped. */
  maxResponseBytes?: number;
  /** Resolver; tests map names to chosen addresses. */
  lookup?: Lookup;
}

/** Loopback, private, link-local (cloud metadata), shared, documentation, multicast and reserved ranges. */
const FORBIDDEN = (() => {
  const list = new net.BlockList();
  for (const [net4, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    list.addSubnet(net4, prefix, 'ipv4');
  }
  for (const [net6, prefix] of [
    ['::', 128],
    ['::1', 128],
    // IPv4-compatible (`::127.0.0.1`, deprecated), local-use NAT64, Teredo and 6to4 carry an IPv4
    // address inside: none is a webhook receiver worth the risk of reaching a private one.
    ['::', 96],
    ['64:ff9b::', 96],
    ['64:ff9b:1::', 48],
    ['100::', 64],
    ['2001::', 32],
    ['2001:db8::', 32],
    ['2002::', 16],
    ['fc00::', 7],
    ['fe80::', 10],
    ['fec0::', 10],
    ['ff00::', 8],
  ] as const) {
    list.addSubnet(net6, prefix, 'ipv6');
  }
  return list;
})();

/**
 * `::ffff:127.0.0.1` and `::ffff:7f00:1` are IPv4 addresses in disguise: judge them as such. (No
 * `::ffff:0:0/96` rule: BlockList matches every IPv4 address against it.)
 */
function unmapped(address: string): string {
  const mapped = /^::ffff:(.+)$/i.exec(address)?.[1];
  if (!mapped) return address;
  if (net.isIPv4(mapped)) return mapped;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(mapped);
  if (!hex) return address;
  const n = (Number.parseInt(hex[1]!, 16) << 16) | Number.parseInt(hex[2]!, 16);
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/**
 * Webhook requests over node:http(s), closed against server-side request forgery: every address a
 * name resolves to is checked at connection time (so a name that rebinds to 127.0.0.1 after
 * registration is still refused), literal addresses too; redirects are never followed; the answer
 * is read up to a bound, within a timeout.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly allowed = new net.BlockList();
  private readonly lookup: Lookup;

  constructor(private readonly options: HttpWebhookSenderOptions = {}) {
    for (const cidr of options.allowedCidrs ?? []) {
      const [address = '', bits = ''] = cidr.split('/');
      const type = net.isIPv6(address) ? 'ipv6' : 'ipv4';
      this.allowed.addSubnet(address, Number(bits || (type === 'ipv6' ? 128 : 32)), type);
    }
    this.lookup = options.lookup ?? dns.lookup;
  }

  /** Why the address may not be called, or null when it may. */
  refusal(address: string): string | null {
    const plain = unmapped(address);
    const type = net.isIPv6(plain) ? 'ipv6' : 'ipv4';
    if (this.allowed.check(plain, type)) return null;
    return FORBIDDEN.check(plain, type) ? `${address} is a private, loopback, link-local or reserved address` : null;
  }

  async check(url: string): Promise<void> {
    const target = this.parse(url);
    const addresses = net.isIP(target.host)
      ? [target.host]
      : await new Promise<string[]>((resolve, reject) =>
          this.lookup(target.host, { all: true }, (error, found: LookupAddress[]) =>
            error
              ? reject(ERRORS.webhookUrlForbidden(`${target.host} does not resolve`))
              : resolve(found.map((a) => a.address)),
          ),
        );
    for (const address of addresses) {
      const refused = this.refusal(address);
      if (refused) throw ERRORS.webhookUrlForbidden(refused);
    }
  }

  post(url: string, headers: Record<string, string>, body: string): Promise<WebhookResponse> {
    const target = this.parse(url);
    if (net.isIP(target.host)) {
      const refused = this.refusal(target.host);
      if (refused) return Promise.reject(ERRORS.webhookUrlForbidden(refused));
    }
    const client = target.url.protocol === 'https:' ? https : http;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const maxBytes = this.options.maxResponseBytes ?? 64 * 1024;
    return new Promise<WebhookResponse>((resolve, reject) => {
      const request = client.request(
        target.url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body), 'user-agent': 'Pictor-Webhooks/1' },
          timeout: timeoutMs,
          lookup: this.checkedLookup(),
          // A fresh connection each time: no pooled socket to an address checked earlier.
          agent: false,
        },
        (response) => {
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > maxBytes) response.destroy();
          });
          const done = () =>
            resolve({ status: response.statusCode ?? 0, ...retryAfter(response.headers['retry-after']) });
          response.on('end', done);
          response.on('close', done);
          response.on('error', done);
        },
      );
      const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      request.on('close', () => clearTimeout(deadline));
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', reject);
      request.end(body);
    });
  }

  private parse(url: string): { url: URL; host: string } {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw ERRORS.webhookUrlForbidden('not a URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw ERRORS.webhookUrlForbidden('only http and https');
    if (parsed.username || parsed.password) throw ERRORS.webhookUrlForbidden('no credentials in the URL');
    return { url: parsed, host: parsed.hostname.replace(/^\[|\]$/g, '') };
  }

  /** A resolver for the connection that refuses forbidden answers: the address checked is the one used. */
  private checkedLookup(): net.LookupFunction {
    return (hostname, options, callback) => {
      this.lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error, '', 4);
        for (const a of addresses) {
          const refused = this.refusal(a.address);
          if (refused) return callback(ERRORS.webhookUrlForbidden(refused), '', 4);
        }
        if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        const first = addresses[0]!;
        callback(null, first.address, first.family);
      });
    };
  }
}

function retryAfter(value: string | undefined): { retryAfterMs?: number } {
  if (!value) return {};
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return { retryAfterMs: Math.max(0, seconds * 1000) };
  const at = Date.parse(value);
  return Number.isNaN(at) ? {} : { retryAfterMs: Math.max(0, at - Date.now()) };
}
