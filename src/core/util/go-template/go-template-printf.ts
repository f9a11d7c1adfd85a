import { formatFloatV, goQuote, goTypeName, isGoMap, isNil, sortedKeys } from './go-template-values.js';

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

/** fmt.Sprint: operands formatted with %v, a space between two operands when neither is a string. */
export function goSprint(args: readonly unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    const isStr = typeof a === 'string';
    if (i > 0 && !isStr && typeof args[i - 1] !== 'string') out += ' ';
    out += formatVerb(a, 'v', plainSpec());
  });
  return out;
}

/** fmt.Sprintln: operands formatted with %v, always space-separated, newline-terminated. */
export function goSprintln(args: readonly unknown[]): string {
  return `${args.map((a) => formatVerb(a, 'v', plainSpec())).join(' ')}\n`;
}

/** fmt.Sprintf for the common verbs (%v %s %d %q %t %f %e %g %x %X %o %b %c %T %%), with flags, width and precision. */
export function goSprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec = plainSpec();
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '-') spec.minus = true;
      else if (c === '+') spec.plus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = true;
      else break;
    }
    const num = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        return typeof a === 'bigint' ? Number(a) : undefined;
      }
      const m = /^[0-9]+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    spec.width = num();
    if (format[i] === '.') {
      i++;
      spec.prec = num() ?? 0;
    }
    const verb = format[i];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    i++;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatVerb(args[argi++], verb, spec);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => (isNil(a) ? '<nil>' : `${goTypeName(a)}=${formatVerb(a, 'v', plainSpec())}`))
      .join(', ')})`;
  }
  return out;
}

function plainSpec(): Spec {
  return {
    minus: false,
    plus: false,
    sharp: false,
    space: false,
    zero: false,
    width: undefined,
    prec: undefined,
  };
}

function badVerb(v: unknown, verb: string): string {
  if (isNil(v)) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${formatVerb(v, 'v', plainSpec())})`;
}

function pad(s: string, spec: Spec, numeric = false): string {
  const w = spec.width ?? 0;
  const len = [...s].length;
  if (len >= w) return s;
  if (spec.minus) return s + ' '.repeat(w - len);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? (s[0] ?? '') : '';
    return sign + '0'.repeat(w - len) + s.slice(sign.length);
  }
  return ' '.repeat(w - len) + s;
}

function signed(s: string, negative: boolean, spec: Spec): string {
  if (negative) return `-${s}`;
  if (spec.plus) return `+${s}`;
  if (spec.space) return ` ${s}`;
  return s;
}

function formatVerb(v: unknown, verb: string, spec: Spec): string {
  if (verb === 'T') return pad(goTypeName(v), spec);
  if (isNil(v)) return verb === 'v' ? pad('<nil>', spec) : badVerb(v, verb);
  if (typeof v === 'string') return formatString(v, verb, spec);
  if (typeof v === 'bigint') return formatInt(v, verb, spec);
  if (typeof v === 'number') return formatFloat(v, verb, spec);
  if (typeof v === 'boolean') return verb === 'v' || verb === 't' ? pad(String(v), spec) : badVerb(v, verb);
  if (Array.isArray(v)) return `[${v.map((e) => formatVerb(e, verb, spec)).join(' ')}]`;
  if (isGoMap(v)) {
    return `map[${sortedKeys(v)
      .map((k) => `${formatVerb(k, verb, spec)}:${formatVerb(v[k], verb, spec)}`)
      .join(' ')}]`;
  }
  return pad(Object.prototype.toString.call(v), spec);
}

function formatString(s: string, verb: string, spec: Spec): string {
  switch (verb) {
    case 'v':
    case 's':
      return pad(spec.prec === undefined ? s : [...s].slice(0, spec.prec).join(''), spec);
    case 'q':
      return pad(spec.sharp && !/[`\r\n\t]/.test(s) ? `\`${s}\`` : goQuote(s), spec);
    case 'x':
    case 'X': {
      let hex = Buffer.from(s).toString('hex');
      if (spec.space) hex = hex.replace(/(..)(?!$)/g, '$1 ');
      return pad(verb === 'X' ? hex.toUpperCase() : hex, spec);
    }
    default:
      return badVerb(s, verb);
  }
}

function formatInt(n: bigint, verb: string, spec: Spec): string {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  let body: string;
  switch (verb) {
    case 'v':
    case 'd':
      body = abs.toString();
      break;
    case 'b':
      body = abs.toString(2);
      break;
    case 'o':
      body = (spec.sharp ? '0' : '') + abs.toString(8);
      break;
    case 'x':
      body = (spec.sharp ? '0x' : '') + abs.toString(16);
      break;
    case 'X':
      body = (spec.sharp ? '0X' : '') + abs.toString(16).toUpperCase();
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(n)), spec);
    case 'q':
      return pad(`'${String.fromCodePoint(Number(n))}'`, spec);
    case 'U':
      return pad(`U+${abs.toString(16).toUpperCase().padStart(4, '0')}`, spec);
    default:
      return badVerb(n, verb);
  }
  if (spec.prec !== undefined) body = body.padStart(spec.prec, '0');
  return pad(signed(body, neg, spec), spec, spec.prec === undefined);
}

function formatFloat(f: number, verb: string, spec: Spec): string {
  const neg = f < 0 || Object.is(f, -0);
  const abs = Math.abs(f);
  let body: string;
  if (!Number.isFinite(abs)) {
    body = Number.isNaN(abs) ? 'NaN' : 'Inf';
    const s = Number.isNaN(abs) ? body : signed(body, neg, spec.plus ? spec : { ...spec, plus: !neg });
    return pad(s, { ...spec, zero: false });
  }
  switch (verb) {
    case 'v':
    case 'g':
    case 'G':
      body = spec.prec === undefined ? formatFloatV(abs) : formatPrecisionG(abs, spec.prec);
      if (verb === 'G') body = body.toUpperCase();
      break;
    case 'f':
    case 'F':
      body = toFixedHalfEven(abs, spec.prec ?? 6);
      break;
    case 'e':
    case 'E': {
      body = expForm(abs.toExponential(spec.prec ?? 6));
      if (verb === 'E') body = body.toUpperCase();
      break;
    }
    case 'x':
    case 'X':
    case 'b':
      // Go prints these as hexadecimal / binary floating point; rather than print something else, refuse.
      throw new Error(`%${verb} of a floating-point number (${formatFloatV(f)}) is not supported`);
    default:
      return badVerb(f, verb);
  }
  return pad(signed(body, neg, spec), spec, true);
}

function expForm(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatPrecisionG(abs: number, prec: number): string {
  const p = prec === 0 ? 1 : prec;
  const exp = abs === 0 ? 0 : Math.floor(Math.log10(Number(abs.toExponential(p - 1))));
  if (exp < -4 || exp >= p) {
    return expForm(abs.toExponential(p - 1).replace(/\.?0+e/, 'e'));
  }
  const fixed = abs.toFixed(Math.max(0, p - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** toFixed rounds exact ties up; Go's strconv rounds them to even (fmt "%.0f" of 2.5 is "2"). */
function toFixedHalfEven(x: number, prec: number): string {
  const rounded = x.toFixed(prec);
  if (prec + 40 > 100) return rounded;
  const exact = x.toFixed(prec + 40);
  const dot = exact.indexOf('.');
  const keep = prec === 0 ? dot : dot + 1 + prec;
  if (!/^50*$/.test(exact.slice(prec === 0 ? dot + 1 : keep))) return rounded;
  const truncated = exact.slice(0, keep);
  return Number(truncated.slice(-1)) % 2 === 0 ? truncated : rounded;
}
