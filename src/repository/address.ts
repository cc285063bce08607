import { isIPv4, isIPv6 } from 'node:net';

const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * Why `address` is not a registry `host[:port]` (a DNS name, an IPv4 literal
 * or a bracketed IPv6 literal; no scheme, path, user info or whitespace), or
 * null when it is one. The hub never connects to it (API.md §7): this is only
 * about what an image reference and a pull secret can hold.
 */
export function addressProblem(address: string): string | null {
  if (address.length === 0) return 'is required';
  if (/\s/.test(address)) return 'must not contain whitespace';
  if (address.includes('://')) return 'must be host[:port] without a scheme';
  if (address.includes('@')) return 'must be host[:port] without user info';
  if (/[/?#]/.test(address)) return 'must be host[:port] without a path';
  let port: string | undefined;
  if (address.startsWith('[')) {
    const m = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(address);
    // A zone ("%eth0") is no part of an IP literal in a URI or an image reference (Node's isIPv6 takes it).
    if (!m || m[1].includes('%') || !isIPv6(m[1])) return 'must be a bracketed IPv6 literal, e.g. [fd00::1]:5000';
    port = m[2];
  } else {
    const m = /^([^:]+)(?::([0-9]+))?$/.exec(address);
    if (!m) return 'must be host[:port] (an IPv6 literal goes in brackets)';
    const host = m[1];
    port = m[2];
    if (/^[0-9.]+$/.test(host)) {
      if (!isIPv4(host)) return 'is not a valid IPv4 address';
    } else if (host.length > 253 || !host.split('.').every((l) => DNS_LABEL.test(l))) {
      return 'must be a DNS name or an IP address';
    }
  }
  if (port !== undefined && (port.length > 5 || Number(port) < 1 || Number(port) > 65535)) {
    return 'port must be 1-65535';
  }
  return null;
}
