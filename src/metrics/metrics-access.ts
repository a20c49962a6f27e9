import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';

/** What {@link MetricsAccess.decide} answers for one request. */
export type MetricsAccessDecision =
  'allowed' | 'token_required' | 'invalid_token' | 'address_not_allowed';

export interface MetricsAccessSettings {
  /** Opens the metrics from any address, as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Addresses and CIDR blocks (`127.0.0.0/8`, `::1`) served without a token. */
  readonly allow: readonly string[];
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Who may read the metrics: a client whose address is in the allow list, or one presenting the
 * token. The address is the one the service trusts (`request.ip`, after TRUST_PROXY_HOPS).
 */
export class MetricsAccess {
  private readonly allowed = new BlockList();
  private readonly tokenDigest?: Buffer;

  constructor(settings: MetricsAccessSettings) {
    for (const entry of settings.allow) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) {
        this.allowed.addAddress(address, family);
      } else {
        this.allowed.addSubnet(address, Number(prefix), family);
      }
    }
    this.tokenDigest = settings.token === undefined ? undefined : digest(settings.token);
  }

  decide(address: string | undefined, authorization: string | undefined): MetricsAccessDecision {
    if (address && this.isAllowed(address)) {
      return 'allowed';
    }
    if (!this.tokenDigest) {
      return 'address_not_allowed';
    }
    const presented = /^Bearer +(\S+)$/i.exec(authorization ?? '')?.[1];
    if (presented === undefined) {
      return 'token_required';
    }
    // Compared as digests of equal length, in constant time.
    return timingSafeEqual(digest(presented), this.tokenDigest) ? 'allowed' : 'invalid_token';
  }

  private isAllowed(address: string): boolean {
    const family = isIP(address);
    // An IPv4 client of a server listening on `::` shows as ::ffff:a.b.c.d; BlockList matches
    // those against the IPv4 rules too.
    return family !== 0 && this.allowed.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}
