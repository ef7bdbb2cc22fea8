import { isIP } from 'node:net';

const MAPPED_IPV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * Truncates an IP address as analytics tools anonymise one: IPv4 to its /24 (`203.0.113.0`), IPv6 to its /48
 * (`2001:db8:1::`), an IPv4 address in IPv6 form (`::ffff:203.0.113.7`, as a dual-stack server sees IPv4
 * clients) as IPv4 (`::ffff:203.0.113.0`). Anything else is returned as is.
 */
export function truncateIp(ip: string): string {
  const kind = isIP(ip);
  if (kind === 4) return ip.replace(/\.\d+$/, '.0');
  if (kind === 6) {
    const mapped = MAPPED_IPV4.exec(ip);
    if (mapped) return `::ffff:${truncateIp(mapped[1]!)}`;
    const [head] = ip.split('::');
    const groups = (head ?? '').split(':').filter(Boolean).slice(0, 3);
    return `${groups.join(':')}::`;
  }
  return ip;
}
