/**
 * The CEL environment of `x-kubernetes-validations`: @marcbachmann/cel-js plus the Kubernetes libraries (lists,
 * strings, regex, sets, url, ip/cidr, quantity, format, semver, math, base64). `self` and `oldSelf` are dynamic;
 * values are converted from JSON by cel-values.ts with the schema's types (integers as BigInt).
 */
import { Environment, Optional } from '@marcbachmann/cel-js';
import semver from 'semver';
import { CIDRPrefix, IPAddr } from './cel-ip.js';
import { Quantity, QUANTITY_PATTERN } from './cel-quantity.js';
import { isDate, isDateTime, isRequestURI } from './formats.js';
import {
  isQualifiedName,
  isValidLabelValue,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
} from './names.js';
import { compileRE2 } from './regex.js';

/** Thrown by library functions; the message is what kube's CEL runtime reports. */
export class CelRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CelRuntimeError';
  }
}

const fail = (message: string): never => {
  throw new CelRuntimeError(message);
};

// Namespaces (`sets.contains`, `strings.quote`, ...) are constants of their own types.
class SetsNamespace {}
class StringsNamespace {}
class MathNamespace {}
class Base64Namespace {}
class FormatNamespace {}
class IPNamespace {}

/** A named format of the format library (`format.dns1123Label()`). */
export class NamedFormat {
  readonly name: string;
  readonly check: (s: string) => string[];

  constructor(name: string, check: (s: string) => string[]) {
    this.name = name;
    this.check = check;
  }
}

export class CelURL {
  readonly url: URL;
  readonly raw: string;

  constructor(raw: string, url: URL) {
    this.raw = raw;
    this.url = url;
  }
}

export class Semver {
  readonly version: semver.SemVer;

  constructor(version: semver.SemVer) {
    this.version = version;
  }
}

const FORMATS: Record<string, NamedFormat> = {
  dns1123Label: new NamedFormat('DNS1123Label', (s) => nameIsDNSLabel(s, false)),
  dns1123Subdomain: new NamedFormat('DNS1123Subdomain', (s) => nameIsDNSSubdomain(s, false)),
  dns1035Label: new NamedFormat('DNS1035Label', (s) => nameIsDNS1035Label(s, false)),
  qualifiedName: new NamedFormat('QualifiedName', isQualifiedName),
  dns1123LabelPrefix: new NamedFormat('DNS1123LabelPrefix', (s) => nameIsDNSLabel(s, true)),
  dns1123SubdomainPrefix: new NamedFormat('DNS1123SubdomainPrefix', (s) => nameIsDNSSubdomain(s, true)),
  dns1035LabelPrefix: new NamedFormat('DNS1035LabelPrefix', (s) => nameIsDNS1035Label(s, true)),
  labelValue: new NamedFormat('LabelValue', isValidLabelValue),
  uri: new NamedFormat('URI', (s) =>
    isRequestURI(s) ? [] : [`parse ${JSON.stringify(s)}: invalid URI for request`],
  ),
  uuid: new NamedFormat('uuid', (s) =>
    /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s)
      ? []
      : ['does not match the UUID format'],
  ),
  byte: new NamedFormat('byte', (s) =>
    /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/.test(s)
      ? []
      : ['invalid base64'],
  ),
  date: new NamedFormat('date', (s) => (isDate(s) ? [] : ['invalid date'])),
  datetime: new NamedFormat('datetime', (s) => (isDateTime(s) ? [] : ['invalid datetime'])),
};

/** CEL equality of converted values (ints and doubles compare by value, maps by key). */
export function celEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number'))
    return a == b;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array)
    return a.length === b.length && a.every((x, i) => x === b[i]);
  if (a instanceof Quantity && b instanceof Quantity) return a.compare(b) === 0;
  if (a instanceof IPAddr && b instanceof IPAddr) return a.equals(b);
  if (a instanceof CIDRPrefix && b instanceof CIDRPrefix) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => celEqual(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    if (a.constructor !== Object || b.constructor !== Object)
      return a.constructor === b.constructor && celToString(a) === celToString(b);
    const ak = Object.keys(a);
    const bk = Object.keys(b);
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    return (
      ak.length === bk.length &&
      ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && celEqual(ao[k], bo[k]))
    );
  }
  return false;
}

function compare(a: unknown, b: unknown): number {
  if (a instanceof Quantity && b instanceof Quantity) return a.compare(b);
  const x = a as number | bigint | string;
  const y = b as number | bigint | string;
  return x < y ? -1 : x > y ? 1 : 0;
}

function regex(pattern: string): RegExp {
  try {
    return compileRE2(pattern);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
}

function codePoints(s: string): string[] {
  return Array.from(s);
}

function formatString(format: string, args: unknown[]): string {
  let i = 0;
  return format.replace(/%(\.\d+)?([sdfeEbxXo%])/g, (_whole, precision: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) return fail(`index ${i} out of range`);
    const arg = args[i++];
    const digits = precision ? Number(precision.slice(1)) : 6;
    switch (verb) {
      case 's':
        return celToString(arg);
      case 'd':
        return typeof arg === 'bigint'
          ? arg.toString()
          : fail('error during formatting: decimal clause can only be used on integers');
      case 'f':
        return Number(arg).toFixed(digits);
      case 'e':
      case 'E': {
        const text = Number(arg)
          .toExponential(digits)
          .replace(/e([+-])(\d)$/, 'e$10$2');
        return verb === 'E' ? text.toUpperCase() : text;
      }
      case 'b':
        return typeof arg === 'bigint'
          ? arg.toString(2)
          : fail('error during formatting: only integers and bools can be formatted as binary');
      case 'o':
        return typeof arg === 'bigint'
          ? arg.toString(8)
          : fail('error during formatting: octal clause can only be used on integers');
      case 'x':
      case 'X': {
        const text =
          typeof arg === 'bigint'
            ? arg.toString(16)
            : typeof arg === 'string'
              ? Buffer.from(arg, 'utf8').toString('hex')
              : fail(
                  'error during formatting: only integers, byte buffers, and strings can be formatted as hex',
                );
        return verb === 'X' ? text.toUpperCase() : text;
      }
      default:
        return fail(`unrecognized formatting clause %${verb}`);
    }
  });
}

function celToString(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return `[${v.map(celToString).join(', ')}]`;
  if (v && typeof v === 'object' && v.constructor === Object)
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}: ${celToString(x)}`)
      .join(', ')}}`;
  if (v && typeof v === 'object' && 'toString' in v && v.toString !== Object.prototype.toString)
    return (v as { toString(): string }).toString();
  return Object.prototype.toString.call(v);
}

function toQuantity(v: Quantity | bigint): Quantity {
  return v instanceof Quantity ? v : Quantity.fromInt(v);
}

function parseSemver(s: string, normalize: boolean): semver.SemVer | undefined {
  let text = s;
  if (normalize) {
    text = text.replace(/^v/, '');
    const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(text);
    if (m) text = `${Number(m[1])}.${Number(m[2] ?? 0)}.${Number(m[3] ?? 0)}${m[4] ?? ''}`;
  } else if (/^[v=]/.test(text)) {
    return undefined;
  }
  const v = semver.parse(text, { loose: false });
  return v && v.raw === text ? v : undefined;
}

function sumOf(list: unknown[]): unknown {
  if (list.length === 0) return 0n;
  if (list.every((x) => typeof x === 'bigint')) {
    const total = list.reduce((a, b) => a + b, 0n);
    if (total > (1n << 63n) - 1n || total < -(1n << 63n)) fail('integer overflow');
    return total;
  }
  if (list.every((x) => typeof x === 'number')) return list.reduce((a, b) => a + b, 0);
  return fail('no such overload: sum');
}

function minMax(list: unknown[], op: 'min' | 'max'): unknown {
  if (list.length === 0) return fail(`${op} called on empty list`);
  let best = list[0];
  for (const x of list.slice(1)) if (op === 'min' ? compare(x, best) < 0 : compare(x, best) > 0) best = x;
  return best;
}

let baseEnvironment: Environment | undefined;

/** The shared base environment (created once; expensive). Clone it to add variables. */
export function celBaseEnvironment(): Environment {
  if (baseEnvironment) return baseEnvironment;
  const env = new Environment({
    // self is dynamic here, so literals like [self.a, 'x'] must not be rejected as heterogeneous.
    homogeneousAggregateLiterals: false,
    enableOptionalTypes: true,
    limits: {
      maxAstNodes: 10_000,
      maxDepth: 100,
      maxListElements: 1000,
      maxMapEntries: 1000,
      maxCallArguments: 32,
    },
  });

  // --- lists (k8s library lists.go, cel-go ext.Lists) ---
  env
    .registerFunction('list<V>.isSorted(): bool', (l: unknown[]) =>
      l.every((x, i) => i === 0 || compare(l[i - 1], x) <= 0),
    )
    .registerFunction('list<V>.sum(): dyn', (l: unknown[]) => sumOf(l))
    .registerFunction('list<V>.min(): dyn', (l: unknown[]) => minMax(l, 'min'))
    .registerFunction('list<V>.max(): dyn', (l: unknown[]) => minMax(l, 'max'))
    .registerFunction('list<V>.indexOf(dyn): int', (l: unknown[], v: unknown) =>
      BigInt(l.findIndex((x) => celEqual(x, v))),
    )
    .registerFunction('list<V>.lastIndexOf(dyn): int', (l: unknown[], v: unknown) => {
      for (let i = l.length - 1; i >= 0; i--) if (celEqual(l[i], v)) return BigInt(i);
      return -1n;
    })
    .registerFunction('list<V>.slice(int, int): list<V>', (l: unknown[], a: bigint, b: bigint) => {
      if (a < 0n || b < a || b > BigInt(l.length)) fail(`cannot slice(${a}, ${b}), invalid index`);
      return l.slice(Number(a), Number(b));
    })
    .registerFunction('list<V>.reverse(): list<V>', (l: unknown[]) => [...l].reverse())
    .registerFunction('list<V>.distinct(): list<V>', (l: unknown[]) =>
      l.filter((x, i) => l.findIndex((y) => celEqual(x, y)) === i),
    )
    .registerFunction('list<V>.flatten(): list<dyn>', (l: unknown[]) =>
      l.flatMap((x): unknown[] => (Array.isArray(x) ? (x as unknown[]) : [x])),
    )
    .registerFunction('list<V>.sort(): list<V>', (l: unknown[]) => [...l].sort(compare));

  // --- strings (cel-go ext.Strings) and regex (k8s regex.go) ---
  env
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      const cps = codePoints(s);
      if (i < 0n || i > BigInt(cps.length)) fail(`index out of range: ${i}`);
      return cps[Number(i)] ?? '';
    })
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) =>
      s.split(a).join(b),
    )
    .registerFunction(
      'string.replace(string, string, int): string',
      (s: string, a: string, b: string, n: bigint) => {
        if (n < 0n) return s.split(a).join(b);
        const parts = s.split(a);
        const k = Number(n);
        return parts.length - 1 <= k
          ? parts.join(b)
          : parts.slice(0, k + 1).join(b) + a + parts.slice(k + 1).join(a);
      },
    )
    .registerFunction('string.reverse(): string', (s: string) => codePoints(s).reverse().join(''))
    .registerFunction('string.format(list): string', (s: string, args: unknown[]) => formatString(s, args))
    .registerFunction('string.find(string): string', (s: string, p: string) => regex(p).exec(s)?.[0] ?? '')
    .registerFunction('string.findAll(string): list<string>', (s: string, p: string) =>
      [...s.matchAll(new RegExp(regex(p).source, `${regex(p).flags}g`))].map((m) => m[0]),
    )
    .registerFunction('string.findAll(string, int): list<string>', (s: string, p: string, n: bigint) => {
      if (n === 0n) return [];
      const all = [...s.matchAll(new RegExp(regex(p).source, `${regex(p).flags}g`))].map((m) => m[0]);
      return n < 0n ? all : all.slice(0, Number(n));
    })
    .registerType('StringsNamespace', StringsNamespace)
    .registerConstant('strings', 'StringsNamespace', new StringsNamespace())
    .registerFunction('StringsNamespace.quote(string): string', (_ns: unknown, s: string) =>
      JSON.stringify(s),
    );

  // --- sets (cel-go ext.Sets) ---
  env
    .registerType('SetsNamespace', SetsNamespace)
    .registerConstant('sets', 'SetsNamespace', new SetsNamespace())
    .registerFunction(
      'SetsNamespace.contains(list, list): bool',
      (_ns: unknown, a: unknown[], b: unknown[]) => b.every((x) => a.some((y) => celEqual(x, y))),
    )
    .registerFunction(
      'SetsNamespace.equivalent(list, list): bool',
      (_ns: unknown, a: unknown[], b: unknown[]) =>
        b.every((x) => a.some((y) => celEqual(x, y))) && a.every((x) => b.some((y) => celEqual(x, y))),
    )
    .registerFunction(
      'SetsNamespace.intersects(list, list): bool',
      (_ns: unknown, a: unknown[], b: unknown[]) => a.some((x) => b.some((y) => celEqual(x, y))),
    );

  // --- math (cel-go ext.Math), base64 (ext.Encoders) ---
  const greatest = (xs: unknown[]): unknown => minMax(xs, 'max');
  const least = (xs: unknown[]): unknown => minMax(xs, 'min');
  env
    .registerType('MathNamespace', MathNamespace)
    .registerConstant('math', 'MathNamespace', new MathNamespace())
    .registerFunction('MathNamespace.greatest(dyn): dyn', (_ns: unknown, a: unknown) =>
      Array.isArray(a) ? greatest(a) : a,
    )
    .registerFunction('MathNamespace.greatest(dyn, dyn): dyn', (_ns: unknown, a: unknown, b: unknown) =>
      greatest([a, b]),
    )
    .registerFunction(
      'MathNamespace.greatest(dyn, dyn, dyn): dyn',
      (_ns: unknown, a: unknown, b: unknown, c: unknown) => greatest([a, b, c]),
    )
    .registerFunction('MathNamespace.least(dyn): dyn', (_ns: unknown, a: unknown) =>
      Array.isArray(a) ? least(a) : a,
    )
    .registerFunction('MathNamespace.least(dyn, dyn): dyn', (_ns: unknown, a: unknown, b: unknown) =>
      least([a, b]),
    )
    .registerFunction(
      'MathNamespace.least(dyn, dyn, dyn): dyn',
      (_ns: unknown, a: unknown, b: unknown, c: unknown) => least([a, b, c]),
    )
    .registerFunction('MathNamespace.abs(dyn): dyn', (_ns: unknown, a: unknown) =>
      typeof a === 'bigint' ? (a < 0n ? -a : a) : Math.abs(Number(a)),
    )
    .registerFunction('MathNamespace.ceil(double): double', (_ns: unknown, a: number) => Math.ceil(a))
    .registerFunction('MathNamespace.floor(double): double', (_ns: unknown, a: number) => Math.floor(a))
    .registerFunction(
      'MathNamespace.round(double): double',
      (_ns: unknown, a: number) => Math.sign(a) * Math.round(Math.abs(a)),
    )
    .registerFunction('MathNamespace.trunc(double): double', (_ns: unknown, a: number) => Math.trunc(a))
    .registerFunction('MathNamespace.isNaN(double): bool', (_ns: unknown, a: number) => Number.isNaN(a))
    .registerFunction(
      'MathNamespace.isInf(double): bool',
      (_ns: unknown, a: number) => a === Infinity || a === -Infinity,
    )
    .registerFunction('MathNamespace.isFinite(double): bool', (_ns: unknown, a: number) => Number.isFinite(a))
    .registerType('Base64Namespace', Base64Namespace)
    .registerConstant('base64', 'Base64Namespace', new Base64Namespace())
    .registerFunction('Base64Namespace.encode(bytes): string', (_ns: unknown, b: Uint8Array) =>
      Buffer.from(b).toString('base64'),
    )
    .registerFunction('Base64Namespace.decode(string): bytes', (_ns: unknown, s: string) => {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) fail('illegal base64 data');
      return new Uint8Array(Buffer.from(s, 'base64'));
    });

  // --- url (k8s urls.go) ---
  const toURL = (s: string): CelURL => {
    if (!isRequestURI(s))
      fail(
        `URL parse error during conversion from string: parse ${JSON.stringify(s)}: invalid URI for request`,
      );
    try {
      return new CelURL(s, new URL(s, s.startsWith('/') ? 'relative:///' : undefined));
    } catch {
      return fail(`URL parse error during conversion from string: parse ${JSON.stringify(s)}: invalid URL`);
    }
  };
  const isRelative = (u: CelURL): boolean => u.raw.startsWith('/');
  env
    .registerType('URL', CelURL)
    .registerFunction('url(string): URL', (s: string) => toURL(s))
    .registerFunction('isURL(string): bool', (s: string) => isRequestURI(s))
    .registerFunction('URL.getScheme(): string', (u: CelURL) =>
      isRelative(u) ? '' : u.url.protocol.replace(/:$/, ''),
    )
    .registerFunction('URL.getHost(): string', (u: CelURL) => (isRelative(u) ? '' : u.url.host))
    .registerFunction('URL.getHostname(): string', (u: CelURL) =>
      isRelative(u) ? '' : u.url.hostname.replace(/^\[(.*)\]$/, '$1'),
    )
    .registerFunction('URL.getPort(): string', (u: CelURL) => (isRelative(u) ? '' : u.url.port))
    .registerFunction('URL.getEscapedPath(): string', (u: CelURL) => u.url.pathname)
    .registerFunction('URL.getQuery(): map<string, list<string>>', (u: CelURL) => {
      const out: Record<string, string[]> = {};
      for (const [k, v] of u.url.searchParams) (out[k] ??= []).push(v);
      return out;
    })
    .registerOperator('URL == URL', (a: CelURL, b: CelURL) => a.raw === b.raw);

  // --- ip / cidr (k8s ip.go, cidr.go) ---
  const toIP = (s: string): IPAddr => {
    const ip = IPAddr.parse(s);
    if (typeof ip === 'string')
      return fail(`IP Address ${JSON.stringify(s)} parse error during conversion from string: ${ip}`);
    const b = ip.bytes;
    if (ip.family === 6 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff)
      fail('IPv4-mapped IPv6 addresses are not allowed');
    return ip;
  };
  const toCIDR = (s: string): CIDRPrefix => {
    const c = CIDRPrefix.parse(s);
    if (typeof c === 'string') return fail(`network address parse error during conversion from string: ${c}`);
    return c;
  };
  env
    .registerType('net.IP', IPAddr)
    .registerType('net.CIDR', CIDRPrefix)
    .registerType('IPNamespace', IPNamespace)
    .registerConstant('ip', 'IPNamespace', new IPNamespace())
    .registerFunction('ip(string): net.IP', (s: string) => toIP(s))
    .registerFunction('isIP(string): bool', (s: string) => typeof IPAddr.parse(s) !== 'string')
    .registerFunction(
      'IPNamespace.isCanonical(string): bool',
      (_ns: unknown, s: string) => toIP(s).toString() === s,
    )
    .registerFunction('net.IP.family(): int', (ip: IPAddr) => BigInt(ip.family))
    .registerFunction('net.IP.isUnspecified(): bool', (ip: IPAddr) => ip.isUnspecified())
    .registerFunction('net.IP.isLoopback(): bool', (ip: IPAddr) => ip.isLoopback())
    .registerFunction('net.IP.isLinkLocalMulticast(): bool', (ip: IPAddr) => ip.isLinkLocalMulticast())
    .registerFunction('net.IP.isLinkLocalUnicast(): bool', (ip: IPAddr) => ip.isLinkLocalUnicast())
    .registerFunction('net.IP.isGlobalUnicast(): bool', (ip: IPAddr) => ip.isGlobalUnicast())
    .registerFunction('string(net.IP): string', (ip: IPAddr) => ip.toString())
    .registerOperator('net.IP == net.IP', (a: IPAddr, b: IPAddr) => a.equals(b))
    .registerFunction('cidr(string): net.CIDR', (s: string) => toCIDR(s))
    .registerFunction('isCIDR(string): bool', (s: string) => typeof CIDRPrefix.parse(s) !== 'string')
    .registerFunction('net.CIDR.containsIP(net.IP): bool', (c: CIDRPrefix, ip: IPAddr) => c.containsIP(ip))
    .registerFunction('net.CIDR.containsIP(string): bool', (c: CIDRPrefix, s: string) =>
      c.containsIP(toIP(s)),
    )
    .registerFunction('net.CIDR.containsCIDR(net.CIDR): bool', (c: CIDRPrefix, o: CIDRPrefix) =>
      c.containsCIDR(o),
    )
    .registerFunction('net.CIDR.containsCIDR(string): bool', (c: CIDRPrefix, s: string) =>
      c.containsCIDR(toCIDR(s)),
    )
    .registerFunction('net.CIDR.ip(): net.IP', (c: CIDRPrefix) => c.ip)
    .registerFunction('net.CIDR.masked(): net.CIDR', (c: CIDRPrefix) => c.masked())
    .registerFunction('net.CIDR.prefixLength(): int', (c: CIDRPrefix) => BigInt(c.prefixLength))
    .registerFunction('string(net.CIDR): string', (c: CIDRPrefix) => c.toString())
    .registerOperator('net.CIDR == net.CIDR', (a: CIDRPrefix, b: CIDRPrefix) => a.equals(b));

  // --- quantity (k8s quantity.go) ---
  const toQ = (s: string): Quantity =>
    Quantity.parse(s) ?? fail(`quantities must match the regular expression '${QUANTITY_PATTERN}'`);
  env
    .registerType('Quantity', Quantity)
    .registerFunction('quantity(string): Quantity', (s: string) => toQ(s))
    .registerFunction('isQuantity(string): bool', (s: string) => Quantity.parse(s) !== undefined)
    .registerFunction('Quantity.sign(): int', (q: Quantity) => q.sign())
    .registerFunction(
      'Quantity.isGreaterThan(Quantity): bool',
      (a: Quantity, b: Quantity) => a.compare(b) > 0,
    )
    .registerFunction('Quantity.isLessThan(Quantity): bool', (a: Quantity, b: Quantity) => a.compare(b) < 0)
    .registerFunction('Quantity.compareTo(Quantity): int', (a: Quantity, b: Quantity) => BigInt(a.compare(b)))
    .registerFunction('Quantity.add(Quantity): Quantity', (a: Quantity, b: Quantity) => a.add(b))
    .registerFunction('Quantity.add(int): Quantity', (a: Quantity, b: bigint) => a.add(toQuantity(b)))
    .registerFunction('Quantity.sub(Quantity): Quantity', (a: Quantity, b: Quantity) => a.sub(b))
    .registerFunction('Quantity.sub(int): Quantity', (a: Quantity, b: bigint) => a.sub(toQuantity(b)))
    .registerFunction(
      'Quantity.isInteger(): bool',
      (q: Quantity) => q.isInteger() && q.asInteger() !== undefined,
    )
    .registerFunction(
      'Quantity.asInteger(): int',
      (q: Quantity) => q.asInteger() ?? fail('cannot convert value to integer'),
    )
    .registerFunction('Quantity.asApproximateFloat(): double', (q: Quantity) => q.asApproximateFloat())
    .registerOperator('Quantity == Quantity', (a: Quantity, b: Quantity) => a.compare(b) === 0);

  // --- format (k8s format.go) ---
  env
    .registerType('FormatNamespace', FormatNamespace)
    .registerType('kubernetes.NamedFormat', NamedFormat)
    .registerConstant('format', 'FormatNamespace', new FormatNamespace())
    .registerFunction(
      'FormatNamespace.named(string): optional<kubernetes.NamedFormat>',
      (_ns: unknown, name: string) => (FORMATS[name] ? Optional.of(FORMATS[name]) : Optional.none()),
    )
    .registerFunction(
      'kubernetes.NamedFormat.validate(string): optional<list<string>>',
      (f: NamedFormat, s: string) => {
        const errs = f.check(s);
        return errs.length > 0 ? Optional.of(errs) : Optional.none();
      },
    );
  for (const name of Object.keys(FORMATS)) {
    env.registerFunction(`FormatNamespace.${name}(): kubernetes.NamedFormat`, () => FORMATS[name]);
  }

  // --- semver (k8s semverlib.go) ---
  const toSemver = (s: string, normalize: boolean): Semver => {
    const v = parseSemver(s, normalize);
    return v ? new Semver(v) : fail(`Semver ${JSON.stringify(s)} parse error during conversion from string`);
  };
  env
    .registerType('Semver', Semver)
    .registerFunction('isSemver(string): bool', (s: string) => parseSemver(s, false) !== undefined)
    .registerFunction(
      'isSemver(string, bool): bool',
      (s: string, n: boolean) => parseSemver(s, n) !== undefined,
    )
    .registerFunction('semver(string): Semver', (s: string) => toSemver(s, false))
    .registerFunction('semver(string, bool): Semver', (s: string, n: boolean) => toSemver(s, n))
    .registerFunction('Semver.major(): int', (v: Semver) => BigInt(v.version.major))
    .registerFunction('Semver.minor(): int', (v: Semver) => BigInt(v.version.minor))
    .registerFunction('Semver.patch(): int', (v: Semver) => BigInt(v.version.patch))
    .registerFunction('Semver.isGreaterThan(Semver): bool', (a: Semver, b: Semver) =>
      semver.gt(a.version, b.version),
    )
    .registerFunction('Semver.isLessThan(Semver): bool', (a: Semver, b: Semver) =>
      semver.lt(a.version, b.version),
    )
    .registerFunction('Semver.compareTo(Semver): int', (a: Semver, b: Semver) =>
      BigInt(semver.compare(a.version, b.version)),
    )
    .registerOperator('Semver == Semver', (a: Semver, b: Semver) => semver.eq(a.version, b.version));

  baseEnvironment = env;
  return env;
}

let ruleEnvironments: { plain: Environment; optional: Environment } | undefined;

/**
 * The two environments rules compile in: `oldSelf` is the old value (dyn), or an optional of it when the rule
 * sets `optionalOldSelf`.
 */
export function celRuleEnvironments(): { plain: Environment; optional: Environment } {
  if (ruleEnvironments) return ruleEnvironments;
  const base = celBaseEnvironment();
  ruleEnvironments = {
    plain: base.clone().registerVariable('self', 'dyn').registerVariable('oldSelf', 'dyn'),
    optional: base.clone().registerVariable('self', 'dyn').registerVariable('oldSelf', 'optional<dyn>'),
  };
  return ruleEnvironments;
}

/** Names of the library functions and macros, for documentation and tests. */
export const CEL_LIBRARY_FUNCTIONS = [
  'has',
  'size',
  'all',
  'exists',
  'exists_one',
  'map',
  'filter',
  'cel.bind',
  'matches',
  'startsWith',
  'endsWith',
  'contains',
  'lowerAscii',
  'upperAscii',
  'trim',
  'split',
  'join',
  'substring',
  'indexOf',
  'lastIndexOf',
  'charAt',
  'replace',
  'reverse',
  'format',
  'strings.quote',
  'find',
  'findAll',
  'isSorted',
  'sum',
  'min',
  'max',
  'slice',
  'distinct',
  'flatten',
  'sort',
  'sets.contains',
  'sets.equivalent',
  'sets.intersects',
  'math.greatest',
  'math.least',
  'math.abs',
  'math.ceil',
  'math.floor',
  'math.round',
  'math.trunc',
  'math.isNaN',
  'math.isInf',
  'math.isFinite',
  'base64.encode',
  'base64.decode',
  'url',
  'isURL',
  'getScheme',
  'getHost',
  'getHostname',
  'getPort',
  'getEscapedPath',
  'getQuery',
  'ip',
  'isIP',
  'ip.isCanonical',
  'family',
  'isUnspecified',
  'isLoopback',
  'isLinkLocalMulticast',
  'isLinkLocalUnicast',
  'isGlobalUnicast',
  'cidr',
  'isCIDR',
  'containsIP',
  'containsCIDR',
  'masked',
  'prefixLength',
  'quantity',
  'isQuantity',
  'sign',
  'isGreaterThan',
  'isLessThan',
  'compareTo',
  'add',
  'sub',
  'asInteger',
  'isInteger',
  'asApproximateFloat',
  'format.named',
  'format.dns1123Label',
  'validate',
  'isSemver',
  'semver',
  'major',
  'minor',
  'patch',
  'timestamp',
  'duration',
  'optional.of',
  'optional.none',
  'hasValue',
  'value',
  'orValue',
] as const;
