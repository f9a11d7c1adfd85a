import { goSprint, goSprintf, goSprintln } from './go-template-printf.js';
import { compareStrings, goTypeName, isGoMap, isNil, isTrue } from './go-template-values.js';

/** How an argument is checked and converted before a call, mirroring the Go parameter type. */
export type ParamKind = 'any' | 'string' | 'int' | 'bool' | 'map' | 'list';

/** A callable template function. Throw to fail the call ("error calling name: message"). */
export interface FunctionSpec {
  readonly params: readonly ParamKind[];
  /** Kind of the trailing variadic arguments, if the function is variadic. */
  readonly variadic?: ParamKind;
  readonly fn: (...args: unknown[]) => unknown;
}

/** A function's own failure; the executor reports it as Go does, `error calling <name>: <message>`. */
export class FunctionCallError extends Error {
  override readonly name = 'FunctionCallError';
}

export const GO_PARAM_TYPE_NAMES: Record<ParamKind, string> = {
  any: 'interface {}',
  string: 'string',
  int: 'int',
  bool: 'bool',
  map: 'map[string]interface {}',
  list: '[]interface {}',
};

type BasicKind = 'bool' | 'int' | 'float' | 'string' | 'invalid';

function basicKind(v: unknown): BasicKind {
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
    case 'undefined':
    case 'object':
    case 'function':
    case 'symbol':
    default:
      return 'invalid';
  }
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new FunctionCallError('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of rest) {
    if (isNil(a) || isNil(b)) {
      if (isNil(a) && isNil(b)) return true;
      continue;
    }
    const k2 = basicKind(b);
    if (k1 !== k2) throw new FunctionCallError('incompatible types for comparison');
    if (k1 === 'invalid') {
      throw new FunctionCallError(`non-comparable type ${goSprint([a])}: ${goTypeName(a)}`);
    }
    if (a === b) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid' || k1 === 'bool' || k2 === 'bool') {
    throw new FunctionCallError('invalid type for comparison');
  }
  if (k1 !== k2) throw new FunctionCallError('incompatible types for comparison');
  if (k1 === 'string') return compareStrings(a as string, b as string) < 0;
  return (a as number | bigint) < (b as number | bigint);
}

function intIndex(v: unknown, what: string): number {
  if (typeof v !== 'bigint') throw new FunctionCallError(`cannot index ${what} with type ${goTypeName(v)}`);
  return Number(v);
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  let cur = item;
  for (const ix of indexes) {
    if (isNil(cur)) throw new FunctionCallError('index of untyped nil');
    if (Array.isArray(cur) || typeof cur === 'string') {
      const len = typeof cur === 'string' ? Buffer.byteLength(cur) : cur.length;
      const x = intIndex(ix, 'slice/array');
      if (x < 0 || x >= len) throw new FunctionCallError(`index out of range: ${x}`);
      cur = typeof cur === 'string' ? BigInt(Buffer.from(cur)[x] ?? 0) : cur[x];
    } else if (isGoMap(cur)) {
      if (typeof ix !== 'string') {
        throw new FunctionCallError(`value has type ${goTypeName(ix)}; should be string`);
      }
      cur = Object.hasOwn(cur, ix) ? cur[ix] : null;
    } else {
      throw new FunctionCallError(`can't index item of type ${goTypeName(cur)}`);
    }
  }
  return cur;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) throw new FunctionCallError('slice of untyped nil');
  if (indexes.length > 3) throw new FunctionCallError(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new FunctionCallError('cannot 3-index slice a string');
    len = Buffer.byteLength(item);
  } else if (Array.isArray(item)) {
    len = item.length;
  } else {
    throw new FunctionCallError(`can't slice item of type ${goTypeName(item)}`);
  }
  const idx = [0, len];
  indexes.forEach((ix, i) => {
    const x = intIndex(ix, 'slice/array');
    if (x < 0 || x > len) throw new FunctionCallError(`index out of range: ${x}`);
    idx[i] = x;
  });
  const [from, to] = idx as [number, number];
  if (from > to) throw new FunctionCallError(`invalid slice index: ${from} > ${to}`);
  if (typeof item === 'string') return Buffer.from(item).subarray(from, to).toString('utf8');
  return (item as unknown[]).slice(from, to);
}

function length(item: unknown): bigint {
  if (isNil(item)) throw new FunctionCallError('len of nil pointer');
  if (typeof item === 'string') return BigInt(Buffer.byteLength(item));
  if (Array.isArray(item)) return BigInt(item.length);
  if (isGoMap(item)) return BigInt(Object.keys(item).length);
  throw new FunctionCallError(`len of type ${goTypeName(item)}`);
}

function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return goSprint(args);
}

function htmlEscape(...args: unknown[]): string {
  return evalArgs(args).replace(/[&'<>"\0]/g, (c) =>
    c === '&'
      ? '&amp;'
      : c === "'"
        ? '&#39;'
        : c === '<'
          ? '&lt;'
          : c === '>'
            ? '&gt;'
            : c === '"'
              ? '&#34;'
              : '\uFFFD',
  );
}

function jsEscape(...args: unknown[]): string {
  return evalArgs(args).replace(/[\\'"<>&=\p{Cc}]/gu, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case "'":
        return "\\'";
      case '"':
        return '\\"';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    }
  });
}

function urlQueryEscape(...args: unknown[]): string {
  return encodeURIComponent(evalArgs(args))
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()}`);
}

/** text/template's predefined functions; `and` and `or` are evaluated lazily by the executor. */
export const BUILTIN_FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  ['and', { params: ['any'], variadic: 'any', fn: () => undefined }],
  ['or', { params: ['any'], variadic: 'any', fn: () => undefined }],
  ['not', { params: ['any'], fn: (a) => !isTrue(a) }],
  ['len', { params: ['any'], fn: length }],
  ['index', { params: ['any'], variadic: 'any', fn: index }],
  ['slice', { params: ['any'], variadic: 'any', fn: slice }],
  ['eq', { params: ['any'], variadic: 'any', fn: eq }],
  ['ne', { params: ['any', 'any'], fn: (a, b) => !eq(a, b) }],
  ['lt', { params: ['any', 'any'], fn: lt }],
  ['le', { params: ['any', 'any'], fn: (a, b) => lt(a, b) || eq(a, b) }],
  ['gt', { params: ['any', 'any'], fn: (a, b) => !(lt(a, b) || eq(a, b)) }],
  ['ge', { params: ['any', 'any'], fn: (a, b) => !lt(a, b) }],
  ['print', { params: [], variadic: 'any', fn: (...a) => goSprint(a) }],
  ['printf', { params: ['string'], variadic: 'any', fn: (f, ...a) => goSprintf(f as string, a) }],
  ['println', { params: [], variadic: 'any', fn: (...a) => goSprintln(a) }],
  ['html', { params: [], variadic: 'any', fn: htmlEscape }],
  ['js', { params: [], variadic: 'any', fn: jsEscape }],
  ['urlquery', { params: [], variadic: 'any', fn: urlQueryEscape }],
]);
