import ipaddr from 'ipaddr.js';

/**
 * Which addresses an HTTP destination may reach. Only globally routable unicast addresses are allowed by
 * default; private (RFC 1918), loopback, link-local, unique-local (fc00::/7), CGNAT (100.64/10), multicast,
 * unspecified, broadcast, reserved, benchmarking and the IPv6 ranges that embed an IPv4 address (6to4,
 * Teredo, NAT64) are refused unless an entry of SLUICE_ALLOW_PRIVATE_DESTINATIONS matches the host or the
 * address. IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 address it carries.
 *
 * @example
 *   const policy = new AddressPolicy(['127.0.0.1', '10.0.0.0/8', 'sink.internal']);
 *   policy.refusal('sink.internal', '10.1.2.3'); // undefined: allowed by host
 *   policy.refusal('example.com', '192.168.1.1'); // 'example.com resolves to 192.168.1.1, a private address ...'
 */
export class AddressPolicy {
  private readonly hosts = new Set<string>();
  private readonly cidrs: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];

  constructor(allowPrivate: readonly string[]) {
    for (const raw of allowPrivate) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      if (entry.includes('/')) {
        const [addr, bits] = ipaddr.parseCIDR(entry);
        this.cidrs.push([normalize(addr), addr.kind() === 'ipv6' && normalize(addr).kind() === 'ipv4' ? Math.max(0, bits - 96) : bits]);
      } else if (ipaddr.isValid(stripBrackets(entry))) {
        const addr = normalize(ipaddr.parse(stripBrackets(entry)));
        this.cidrs.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
      } else {
        this.hosts.add(entry.replace(/\.$/, ''));
      }
    }
  }

  /** Whether the allow list names this host (case-insensitive, trailing dot ignored). */
  allowsHost(hostname: string): boolean {
    return this.hosts.has(stripBrackets(hostname).toLowerCase().replace(/\.$/, ''));
  }

  /** Whether the allow list contains this address (exactly or by CIDR). */
  allowsAddress(address: string): boolean {
    if (!ipaddr.isValid(address)) return false;
    const addr = normalize(ipaddr.parse(address));
    return this.cidrs.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
  }

  /**
   * Why connecting to `address` (reached as `hostname`) is refused, or undefined when it is allowed:
   * a public unicast address, or a private one allowed by host or by address.
   */
  refusal(hostname: string, address: string): string | undefined {
    const range = addressRange(address);
    if (range === 'unicast') return undefined;
    if (this.allowsHost(hostname) || this.allowsAddress(address)) return undefined;
    const host = stripBrackets(hostname);
    const subject = host === address ? `${address} is` : `${host} resolves to ${address},`;
    return `${subject} ${describeRange(range)} address; destinations may only reach public addresses unless SLUICE_ALLOW_PRIVATE_DESTINATIONS allows this host or address (e.g. SLUICE_ALLOW_PRIVATE_DESTINATIONS=${host === address ? address : host}).`;
  }
}

/** The ipaddr.js range name of an address ('unicast' for public ones; 'invalid' when not an IP at all). */
export function addressRange(address: string): string {
  if (!ipaddr.isValid(address)) return 'invalid';
  const addr = normalize(ipaddr.parse(address));
  const range = addr.range();
  // ipaddr.js calls every IPv6 address outside its special ranges unicast, but only 2000::/3 is global unicast
  // (RFC 4291): the rest is reserved or unassigned, e.g. the deprecated IPv4-compatible ::127.0.0.1 (::/96).
  if (range === 'unicast' && addr.kind() === 'ipv6' && !addr.match(GLOBAL_UNICAST_V6)) return 'reserved';
  return range;
}

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

function normalize(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) return (addr as ipaddr.IPv6).toIPv4Address();
  return addr;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

const RANGE_NAMES: Record<string, string> = {
  private: 'a private',
  loopback: 'a loopback',
  linkLocal: 'a link-local',
  uniqueLocal: 'a unique-local',
  carrierGradeNat: 'a carrier-grade NAT',
  multicast: 'a multicast',
  unspecified: 'an unspecified',
  broadcast: 'a broadcast',
  reserved: 'a reserved',
  invalid: 'an invalid',
};

function describeRange(range: string): string {
  return RANGE_NAMES[range] ?? `a non-public (${range})`;
}
