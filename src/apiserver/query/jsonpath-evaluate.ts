import { goSprintV, isGoInt } from '../util/go-format.js';
import { JsonPathExecutionError } from './jsonpath-errors.js';
import type {
  JsonPathListNode,
  JsonPathNode,
  JsonPathSliceParam,
  JsonPathTemplate,
} from './jsonpath-nodes.js';

/*
 * The evaluator of client-go `util/jsonpath/jsonpath.go` over decoded JSON, keeping its observable quirks
 * so results match kubectl's:
 *
 * - every `{…}` action starts again from the root object; `{range X}…{end}` evaluates the actions in
 *   between once per element of X (nested ranges allowed);
 * - a missing field yields nothing (with allowMissingKeys, kubectl's and the table convertor's default)
 *   or fails with `<field> is not found`;
 * - `[i]`, `[-i]`, `[a:b:step]` fail when out of bounds, but an empty selection (`[0:0]`, `[*]` on an
 *   empty list) ends the step for all remaining inputs too (upstream returns early);
 * - null elements are skipped by field, index, wildcard and recursive steps;
 * - `.*` on a string yields its UTF-8 bytes as numbers; `..` also visits non-empty strings;
 * - filters compare like Go templates: int with int, float with float, string with string; an integer
 *   JSON value against a float literal (`@.x>1.5` with x=2) is `incompatible types for comparison`,
 *   null or an object is `invalid type for comparison`; booleans support only `==`/`!=`.
 */

/** A float64 that came from a template literal (`1.0`), which Go keeps apart from the int `1`. */
export class GoFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** A uint8 from `.*` over a string. */
export class GoByte {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** Go's zero `reflect.Value`: nil data at the root, or a null element entering a range body. */
export const INVALID: unique symbol = Symbol('invalid reflect.Value');

/** A value inside the evaluator: decoded JSON plus the Go-only cases above. */
export type GoValue = unknown;

export interface JsonPathOptions {
  /**
   * Whether a missing field yields nothing (true, the default: kubectl's `--allow-missing-template-keys`
   * default and what CRD printer columns use) or fails with `<field> is not found` (client-go's default).
   */
  allowMissingKeys?: boolean;
}

type Step = [GoValue[], JsonPathExecutionError?];

interface State {
  allowMissingKeys: boolean;
  beginRange: number;
  inRange: number;
  endRange: number;
  lastEndNode: JsonPathNode | undefined;
}

const fail = (message: string): JsonPathExecutionError => new JsonPathExecutionError(message);

function isMap(v: GoValue): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof GoFloat) &&
    !(v instanceof GoByte)
  );
}

/** Go's `template.Indirect` over interface values: a JSON null is a nil interface. */
function isNil(v: GoValue): boolean {
  return v === null || v === undefined;
}

/** `value.Interface()` handed to `reflect.ValueOf` again: a nil interface becomes the zero Value. */
function reValue(v: GoValue): GoValue {
  return isNil(v) ? INVALID : v;
}

function goTypeName(v: GoValue): string {
  if (v instanceof GoFloat) return 'float64';
  if (v instanceof GoByte) return 'uint8';
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return isGoInt(v) ? 'int64' : 'float64';
  return '<nil>';
}

function sprintV(v: GoValue): string {
  if (v === INVALID) return '<invalid reflect.Value>';
  if (v instanceof GoFloat || v instanceof GoByte) return goSprintV(v.value);
  return goSprintV(v);
}

function utf8Bytes(s: string): GoByte[] {
  return [...Buffer.from(s, 'utf8')].map((b) => new GoByte(b));
}

/** The members `.*` and `..` descend into. */
function children(v: GoValue): GoValue[] {
  if (Array.isArray(v)) return v as GoValue[];
  if (isMap(v)) return Object.values(v).filter((x) => x !== undefined);
  if (typeof v === 'string') return utf8Bytes(v);
  return [];
}

// ---- comparisons (client-go third_party/forked/golang/template/funcs.go) -----------------------------

type Kind = 'bool' | 'int' | 'uint' | 'float' | 'string';

const BAD_TYPE = 'invalid type for comparison';
const INCOMPATIBLE = 'incompatible types for comparison';

function basicKind(v: GoValue): Kind {
  if (v instanceof GoFloat) return 'float';
  if (v instanceof GoByte) return 'uint';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return isGoInt(v) ? 'int' : 'float';
  throw fail(BAD_TYPE);
}

function primitive(v: GoValue): number | string | boolean {
  if (v instanceof GoFloat || v instanceof GoByte) return v.value;
  return v as number | string | boolean;
}

/** Go compares strings bytewise, which for valid UTF-8 is code point order (not UTF-16 order). */
function compareStrings(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function goEqual(a: GoValue, b: GoValue): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  const v1 = primitive(a);
  const v2 = primitive(b);
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) return v1 === v2;
    throw fail(INCOMPATIBLE);
  }
  return v1 === v2;
}

function goLess(a: GoValue, b: GoValue): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  const v1 = primitive(a);
  const v2 = primitive(b);
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int'))
      return (v1 as number) < (v2 as number);
    throw fail(INCOMPATIBLE);
  }
  if (k1 === 'bool') throw fail(BAD_TYPE);
  if (k1 === 'string') return compareStrings(v1 as string, v2 as string) < 0;
  return (v1 as number) < (v2 as number);
}

function compare(op: string, left: GoValue, right: GoValue): boolean {
  switch (op) {
    case '<':
      return goLess(left, right);
    case '>':
      return !(goLess(left, right) || goEqual(left, right));
    case '==':
      return goEqual(left, right);
    case '!=':
      return !goEqual(left, right);
    case '<=':
      return goLess(left, right) || goEqual(left, right);
    case '>=':
      return !goLess(left, right);
    default:
      throw fail(`unrecognized filter operator ${op}`);
  }
}

// ---- the walk ----------------------------------------------------------------------------------------

function walk(state: State, input: GoValue[], node: JsonPathNode): Step {
  switch (node.type) {
    case 'List':
      return evalList(state, input, node);
    case 'Text':
      return [[node.text]];
    case 'Field':
      return evalField(state, input, node.name);
    case 'Array':
      return evalArray(input, node.params);
    case 'Filter':
      return evalFilter(state, input, node);
    case 'Int':
      return [input.map(() => node.value)];
    case 'Float':
      return [input.map(() => new GoFloat(node.value))];
    case 'Bool':
      return [input.map(() => node.value)];
    case 'Wildcard':
      return [input.flatMap((v) => (isNil(v) ? [] : children(v)))];
    case 'Recursive':
      return [evalRecursive(input)];
    case 'Union': {
      const result: GoValue[] = [];
      for (const part of node.nodes) {
        const [values, err] = evalList(state, input, part);
        if (err) return [input, err];
        result.push(...values);
      }
      return [result];
    }
    case 'Identifier':
      return evalIdentifier(state, input, node.name);
  }
}

function evalList(state: State, input: GoValue[], list: JsonPathListNode): Step {
  let cur = input;
  for (const node of list.nodes) {
    const [values, err] = walk(state, cur, node);
    if (err) return [values, err];
    cur = values;
  }
  return [cur];
}

function evalIdentifier(state: State, input: GoValue[], name: string): Step {
  switch (name) {
    case 'range':
      state.beginRange++;
      return [input];
    case 'end':
      if (state.inRange > 0) {
        state.endRange++;
        return [[]];
      }
      return [[], fail('not in range, nothing to end')];
    default:
      return [input, fail(`unrecognized identifier ${name}`)];
  }
}

function evalField(state: State, input: GoValue[], name: string): Step {
  const results: GoValue[] = [];
  if (input.length === 0) return [results];
  for (const v of input) {
    if (isNil(v) || !isMap(v)) continue;
    if (Object.hasOwn(v, name) && v[name] !== undefined) results.push(v[name]);
  }
  if (results.length === 0 && !state.allowMissingKeys) return [results, fail(`${name} is not found`)];
  return [results];
}

function evalArray(
  input: GoValue[],
  params: readonly [JsonPathSliceParam, JsonPathSliceParam, JsonPathSliceParam],
): Step {
  const result: GoValue[] = [];
  for (const v of input) {
    if (isNil(v)) continue;
    if (!Array.isArray(v)) return [input, fail(`${goTypeName(v)} is not array or slice`)];
    const length = v.length;
    const [p0, p1, p2] = params;
    let start = p0.known ? p0.value : 0;
    if (start < 0) start += length;
    let end = p1.known ? p1.value : length;
    if (end < 0 || (end === 0 && p1.derived)) end += length;
    if (start === end) return [result];
    if (start >= length || start < 0) {
      return [input, fail(`array index out of bounds: index ${start}, length ${length}`)];
    }
    if (end > length || end < 0) {
      return [input, fail(`array index out of bounds: index ${end - 1}, length ${length}`)];
    }
    if (start > end) return [input, fail(`starting index ${start} is greater than ending index ${end}`)];
    let step = 1;
    if (p2.known) {
      if (p2.value <= 0) return [input, fail('step must be > 0')];
      step = p2.value;
    }
    for (let i = start; i < end; i += step) result.push(v[i] as GoValue);
  }
  return [result];
}

function evalRecursive(input: GoValue[]): GoValue[] {
  const result: GoValue[] = [];
  for (const v of input) {
    if (isNil(v)) continue;
    const kids = children(v);
    if (kids.length > 0) {
      result.push(v);
      result.push(...evalRecursive(kids));
    }
  }
  return result;
}

function evalFilter(state: State, input: GoValue[], node: Extract<JsonPathNode, { type: 'Filter' }>): Step {
  const results: GoValue[] = [];
  for (const v of input) {
    if (!Array.isArray(v)) return [input, fail(`${sprintV(v)} is not array or slice and cannot be filtered`)];
    for (const element of v as GoValue[]) {
      const temp = [element];
      const [lefts, leftErr] = evalList(state, temp, node.left);
      if (node.operator === 'exists') {
        if (lefts.length > 0) results.push(element);
        continue;
      }
      if (leftErr) return [input, leftErr];
      if (lefts.length === 0) continue;
      if (lefts.length > 1) return [input, fail('can only compare one element at a time')];
      const [rights, rightErr] = evalList(state, temp, node.right);
      if (rightErr) return [input, rightErr];
      if (rights.length === 0) continue;
      if (rights.length > 1) return [input, fail('can only compare one element at a time')];
      try {
        if (compare(node.operator, lefts[0], rights[0])) results.push(element);
      } catch (err) {
        if (err instanceof JsonPathExecutionError) return [results, err];
        throw err;
      }
    }
  }
  return [results];
}

/** client-go `FindResults`: one result list per top-level action (ranges contribute one per element). */
function findResults(state: State, nodes: readonly JsonPathNode[], data: GoValue): GoValue[][] {
  const cur: GoValue[] = [data];
  const full: GoValue[][] = [];
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as JsonPathNode;
    const [results, err] = walk(state, cur, node);
    if (err) throw err;
    if (state.endRange > 0 && state.endRange <= state.inRange) {
      state.endRange--;
      state.lastEndNode = node;
      break;
    }
    if (state.beginRange > 0) {
      state.beginRange--;
      state.inRange++;
      const body = nodes.slice(i + 1);
      if (results.length > 0) {
        for (const value of results) full.push(...findResults(state, body, reValue(value)));
      } else {
        // Still walk the body once so the matching {end} is found.
        findResults(state, body, INVALID);
      }
      state.inRange--;
      for (let k = i + 1; k < nodes.length; k++) {
        if (nodes[k] === state.lastEndNode) {
          i = k;
          break;
        }
      }
      continue;
    }
    full.push(results);
  }
  return full;
}

/**
 * Evaluates a template keeping Go's value distinctions ({@link GoFloat}, {@link GoByte},
 * {@link INVALID}), for printers that must format exactly as kubectl. Throws {@link JsonPathExecutionError}.
 */
export function findJsonPathGoResults(
  template: JsonPathTemplate,
  data: unknown,
  options: JsonPathOptions = {},
): GoValue[][] {
  const state: State = {
    allowMissingKeys: options.allowMissingKeys ?? true,
    beginRange: 0,
    inRange: 0,
    endRange: 0,
    lastEndNode: undefined,
  };
  return findResults(state, template.root.nodes, isNil(data) ? INVALID : data);
}

function plain(v: GoValue): unknown {
  if (v instanceof GoFloat || v instanceof GoByte) return v.value;
  if (v === INVALID) return undefined;
  return v;
}

/**
 * Evaluates a template against decoded JSON: one list of values per top-level action, in order (literal
 * text included, a `{range}` contributing one list per action and element). Values are the objects
 * themselves, not copies. Throws {@link JsonPathExecutionError}.
 */
export function findJsonPathResults(
  template: JsonPathTemplate,
  data: unknown,
  options: JsonPathOptions = {},
): unknown[][] {
  return findJsonPathGoResults(template, data, options).map((set) => set.map(plain));
}
