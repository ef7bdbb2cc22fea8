import { describe, expect, it } from 'vitest';
import { AddressPolicy, addressRange } from './address-policy.js';

describe('AddressPolicy', () => {
  const none = new AddressPolicy([]);

  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['2002:7f00:1::1', 'non-public (6to4)'],
    ['64:ff9b::a00:1', 'non-public (rfc6052)'],
    ['::7f00:1', 'reserved'], // IPv4-compatible ::127.0.0.1 (deprecated) as URLs write it: not global unicast
    ['::a00:1', 'reserved'],
    ['4000::1', 'reserved'], // outside 2000::/3, the only global unicast block
  ])('refuses %s as a %s address', (address, kind) => {
    expect(none.refusal(address, address)).toContain(`${kind} address`);
  });

  it.each(['93.184.216.34', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(none.refusal(address, address)).toBeUndefined();
  });

  it('names the host and the address it resolved to, and how to allow it', () => {
    expect(none.refusal('hooks.example.com', '10.0.0.5')).toBe(
      'hooks.example.com resolves to 10.0.0.5, a private address; destinations may only reach public addresses unless SLUICE_ALLOW_PRIVATE_DESTINATIONS allows this host or address (e.g. SLUICE_ALLOW_PRIVATE_DESTINATIONS=hooks.example.com).',
    );
  });

  it('allows by host name, case-insensitively, whatever the address', () => {
    const policy = new AddressPolicy(['Sink.Internal']);
    expect(policy.refusal('sink.internal', '10.0.0.5')).toBeUndefined();
    expect(policy.refusal('SINK.internal.', '127.0.0.1')).toBeUndefined();
    expect(policy.refusal('other.internal', '10.0.0.5')).toBeDefined();
  });

  it('allows by exact address and by CIDR, IPv4-mapped IPv6 included', () => {
    const policy = new AddressPolicy(['127.0.0.1', '10.0.0.0/8', 'fd00::/8', '[::1]']);
    expect(policy.refusal('127.0.0.1', '127.0.0.1')).toBeUndefined();
    expect(policy.refusal('x', '::ffff:127.0.0.1')).toBeUndefined();
    expect(policy.refusal('127.0.0.2', '127.0.0.2')).toBeDefined();
    expect(policy.refusal('x', '10.200.3.4')).toBeUndefined();
    expect(policy.refusal('x', '::ffff:10.200.3.4')).toBeUndefined();
    expect(policy.refusal('x', '192.168.0.1')).toBeDefined();
    expect(policy.refusal('x', 'fd12::1')).toBeUndefined();
    expect(policy.refusal('x', 'fc12::1')).toBeDefined();
    expect(policy.refusal('::1', '::1')).toBeUndefined();
  });

  it('allows an IPv4 CIDR written as IPv4-mapped IPv6', () => {
    const policy = new AddressPolicy(['::ffff:192.168.0.0/112']);
    expect(policy.refusal('x', '192.168.7.7')).toBeUndefined();
    expect(policy.refusal('x', '192.169.0.1')).toBeUndefined(); // public anyway
    expect(policy.refusal('x', '10.0.0.1')).toBeDefined();
  });

  it('reports garbage as invalid rather than public', () => {
    expect(addressRange('not-an-ip')).toBe('invalid');
    expect(none.refusal('x', 'not-an-ip')).toContain('invalid address');
  });
});
