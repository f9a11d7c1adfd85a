/**
 * resource.Quantity for CEL's Kubernetes quantity library: `quantity("1.5Gi")`, comparisons and arithmetic.
 * Values are exact rationals (a BigInt over a power of ten), so `quantity("1Ki") == quantity("1024")`.
 */

const QUANTITY_RE = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))([eEinumkKMGTP]*[-+]?[0-9]*)$/;
export const QUANTITY_PATTERN = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);

export class Quantity {
  /** value = numerator / 10^scale */
  readonly numerator: bigint;
  readonly scale: number;
  readonly text: string;

  constructor(numerator: bigint, scale: number, text: string) {
    this.numerator = numerator;
    this.scale = scale;
    this.text = text;
  }

  static parse(text: string): Quantity | undefined {
    const m = QUANTITY_RE.exec(text);
    if (!m) return undefined;
    const numberPart = m[1] ?? '';
    const suffix = m[2] ?? '';
    const negative = numberPart.startsWith('-');
    const unsigned = numberPart.replace(/^[+-]/, '');
    const [whole = '', frac = ''] = unsigned.split('.');
    let numerator = BigInt(`${whole || '0'}${frac}` || '0');
    let scale = frac.length;
    if (suffix in BINARY) {
      numerator *= BINARY[suffix]!;
    } else if (suffix in DECIMAL) {
      scale -= DECIMAL[suffix]!;
    } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
      const exp = Number(suffix.slice(1));
      if (Math.abs(exp) > 1000) return undefined;
      scale -= exp;
    } else {
      return undefined;
    }
    if (scale < 0) {
      numerator *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new Quantity(negative ? -numerator : numerator, scale, text);
  }

  static fromInt(v: bigint): Quantity {
    return new Quantity(v, 0, v.toString());
  }

  #aligned(other: Quantity): [bigint, bigint, number] {
    const scale = Math.max(this.scale, other.scale);
    const a = this.numerator * 10n ** BigInt(scale - this.scale);
    const b = other.numerator * 10n ** BigInt(scale - other.scale);
    return [a, b, scale];
  }

  compare(other: Quantity): number {
    const [a, b] = this.#aligned(other);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  add(other: Quantity): Quantity {
    const [a, b, scale] = this.#aligned(other);
    return Quantity.#normalized(a + b, scale);
  }

  sub(other: Quantity): Quantity {
    const [a, b, scale] = this.#aligned(other);
    return Quantity.#normalized(a - b, scale);
  }

  static #normalized(numerator: bigint, scale: number): Quantity {
    let n = numerator;
    let s = scale;
    while (s > 0 && n % 10n === 0n) {
      n /= 10n;
      s--;
    }
    const text = s === 0 ? n.toString() : `${n < 0n ? '-' : ''}${formatScaled(n < 0n ? -n : n, s)}`;
    return new Quantity(n, s, text);
  }

  sign(): bigint {
    return this.numerator > 0n ? 1n : this.numerator < 0n ? -1n : 0n;
  }

  isInteger(): boolean {
    return this.numerator % 10n ** BigInt(this.scale) === 0n;
  }

  /** The integer value, or undefined when fractional or outside int64. */
  asInteger(): bigint | undefined {
    if (!this.isInteger()) return undefined;
    const v = this.numerator / 10n ** BigInt(this.scale);
    return v > MAX_INT64 || v < MIN_INT64 ? undefined : v;
  }

  asApproximateFloat(): number {
    return Number(this.numerator) / 10 ** this.scale;
  }

  toString(): string {
    return this.text;
  }
}

function formatScaled(n: bigint, scale: number): string {
  const digits = n.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
