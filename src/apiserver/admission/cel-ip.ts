/**
 * IP addresses and CIDRs for CEL's Kubernetes ip/cidr libraries, parsed as Go's netip does (no zones, no
 * IPv4-mapped IPv6 for `ip()`, no leading zeros in IPv4 octets).
 */
import { isIPv6 } from 'node:net';

export class IPAddr {
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  get family(): 4 | 6 {
    return this.bytes.length === 4 ? 4 : 6;
  }

  equals(other: IPAddr): boolean {
    return this.bytes.length === other.bytes.length && this.bytes.every((b, i) => b === other.bytes[i]);
  }

  toString(): string {
    if (this.family === 4) return [...this.bytes].join('.');
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((this.bytes[i]! << 8) | this.bytes[i + 1]!).toString(16));
    // RFC 5952: compress the longest run (length ≥ 2) of zero groups, the first one on ties.
    let bestStart = -1;
    let bestLen = 0;
    for (let i = 0; i < 8;) {
      if (groups[i] !== '0') {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && groups[j] === '0') j++;
      if (j - i > bestLen && j - i >= 2) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    if (bestStart < 0) return groups.join(':');
    return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
  }

  isUnspecified(): boolean {
    return this.bytes.every((b) => b === 0);
  }

  isLoopback(): boolean {
    if (this.family === 4) return this.bytes[0] === 127;
    return this.bytes.slice(0, 15).every((b) => b === 0) && this.bytes[15] === 1;
  }

  isLinkLocalMulticast(): boolean {
    if (this.family === 4) return this.bytes[0] === 224 && this.bytes[1] === 0 && this.bytes[2] === 0;
    return this.bytes[0] === 0xff && (this.bytes[1]! & 0x0f) === 0x02;
  }

  isLinkLocalUnicast(): boolean {
    if (this.family === 4) return this.bytes[0] === 169 && this.bytes[1] === 254;
    return this.bytes[0] === 0xfe && (this.bytes[1]! & 0xc0) === 0x80;
  }

  isGlobalUnicast(): boolean {
    if (this.family === 4) {
      const b = this.bytes;
      if (b.every((x) => x === 255)) return false;
    } else if (this.bytes[0] === 0xff) {
      return false;
    }
    if (this.family === 4 && this.bytes[0]! >= 224) return false;
    return !this.isUnspecified() && !this.isLoopback() && !this.isLinkLocalUnicast();
  }

  /** Parses like netip.ParseAddr; returns an error message on failure. */
  static parse(s: string): IPAddr | string {
    if (s.includes('%')) return `ParseAddr(${JSON.stringify(s)}): IPv6 zones are not allowed`;
    if (/^\d+(\.\d+){3}$/.test(s)) {
      const parts = s.split('.');
      if (parts.some((p) => p.length > 1 && p.startsWith('0')))
        return `ParseAddr(${JSON.stringify(s)}): IPv4 field has octet with leading zero`;
      if (parts.some((p) => Number(p) > 255))
        return `ParseAddr(${JSON.stringify(s)}): IPv4 field has value >255`;
      return new IPAddr(Uint8Array.from(parts.map(Number)));
    }
    if (!s.includes(':') || !isIPv6(s)) return `ParseAddr(${JSON.stringify(s)}): unable to parse IP`;
    return new IPAddr(expandIPv6(s));
  }
}

function expandIPv6(s: string): Uint8Array {
  let text = s;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const p = last.split('.').map(Number);
    const hi = ((p[0] ?? 0) << 8) | (p[1] ?? 0);
    const lo = ((p[2] ?? 0) << 8) | (p[3] ?? 0);
    text = `${text.slice(0, lastColon + 1)}${hi.toString(16)}:${lo.toString(16)}`;
  }
  const halves = text.split('::');
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length > 1 && halves[1] ? halves[1].split(':') : [];
  const zeros: string[] = Array.from({ length: 8 - head.length - tail.length }, () => '0');
  const groups = [...head, ...zeros, ...tail].map((g) => parseInt(g, 16));
  const bytes = new Uint8Array(16);
  groups.slice(0, 8).forEach((g, i) => {
    bytes[i * 2] = (g >> 8) & 0xff;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

export class CIDRPrefix {
  readonly ip: IPAddr;
  readonly prefixLength: number;

  constructor(ip: IPAddr, prefixLength: number) {
    this.ip = ip;
    this.prefixLength = prefixLength;
  }

  static parse(s: string): CIDRPrefix | string {
    const slash = s.indexOf('/');
    if (slash < 0) return `netip.ParsePrefix(${JSON.stringify(s)}): no '/'`;
    const ip = IPAddr.parse(s.slice(0, slash));
    if (typeof ip === 'string') return `netip.ParsePrefix(${JSON.stringify(s)}): ${ip}`;
    const bitsText = s.slice(slash + 1);
    const max = ip.family === 4 ? 32 : 128;
    if (
      !/^\d+$/.test(bitsText) ||
      (bitsText.length > 1 && bitsText.startsWith('0')) ||
      Number(bitsText) > max
    )
      return `netip.ParsePrefix(${JSON.stringify(s)}): bad bits after slash: ${JSON.stringify(bitsText)}`;
    return new CIDRPrefix(ip, Number(bitsText));
  }

  masked(): CIDRPrefix {
    const bytes = Uint8Array.from(this.ip.bytes);
    for (let bit = this.prefixLength; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
    return new CIDRPrefix(new IPAddr(bytes), this.prefixLength);
  }

  containsIP(ip: IPAddr): boolean {
    if (ip.family !== this.ip.family) return false;
    for (let bit = 0; bit < this.prefixLength; bit++) {
      const mask = 0x80 >> (bit & 7);
      if ((ip.bytes[bit >> 3]! & mask) !== (this.ip.bytes[bit >> 3]! & mask)) return false;
    }
    return true;
  }

  containsCIDR(other: CIDRPrefix): boolean {
    return other.prefixLength >= this.prefixLength && this.containsIP(other.ip);
  }

  equals(other: CIDRPrefix): boolean {
    return this.prefixLength === other.prefixLength && this.ip.equals(other.ip);
  }

  toString(): string {
    return `${this.ip.toString()}/${this.prefixLength}`;
  }
}
