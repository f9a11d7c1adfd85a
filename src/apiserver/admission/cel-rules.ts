/**
 * `x-kubernetes-validations`: compiling rules against a schema node (apiextensions `schema/cel/compilation.go`)
 * and evaluating them over an object with `self`/`oldSelf` (`schema/cel/validation.go`, Kubernetes 1.32).
 */
import type { ParseResult } from '@marcbachmann/cel-js';
import { Optional } from '@marcbachmann/cel-js';
import { type FieldError, fieldErrors } from '../errors/field-error.js';
import type { JSONSchemaProps, ValidationRule } from '../registry/resource-definition.js';
import { celRuleEnvironments } from './cel-library.js';
import { type CelValueConverter, celFields, mapValueSchema } from './cel-values.js';
import { child, index, isPlainObject, jsonEqual, key } from './go-format.js';
import { mapListIndex } from './schema-validator.js';

export interface CompiledRule {
  rule: ValidationRule;
  program: ParseResult;
  messageProgram?: ParseResult;
  usesOldSelf: boolean;
  optionalOldSelf: boolean;
  /** `fieldPath` normalized as kube prints it (`spec.foo`, `[key]`), '' when unset. */
  fieldPath: string;
}

/** A compile problem of one rule: which part (`rule`, `messageExpression`) and kube's detail. */
export interface RuleCompileProblem {
  index: number;
  part: 'rule' | 'messageExpression';
  detail: string;
}

interface AstNode {
  op: string;
  args: unknown;
  range?: { start: number; end: number };
  input?: string;
}

const isNode = (x: unknown): x is AstNode => typeof x === 'object' && x !== null && 'op' in x && 'args' in x;

function childNodes(n: AstNode): AstNode[] {
  const out: AstNode[] = [];
  const visit = (x: unknown): void => {
    if (isNode(x)) out.push(x);
    else if (Array.isArray(x)) x.forEach(visit);
  };
  if (n.op !== 'value' && n.op !== 'id') visit(n.args);
  return out;
}

function usesIdentifier(n: AstNode, name: string): boolean {
  if (n.op === 'id') return n.args === name;
  return childNodes(n).some((c) => usesIdentifier(c, name));
}

/** cel-go's issue rendering: `ERROR: <input>:1:6: msg` plus the source line and a caret. */
function renderIssue(source: string, offset: number, message: string): string {
  const before = source.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = offset - lineStart + 1;
  const text = source.split('\n')[line - 1] ?? '';
  return `ERROR: <input>:${line}:${column}: ${message}\n | ${text}\n | ${'.'.repeat(Math.max(0, column - 1))}^`;
}

function errorOffset(err: unknown): number {
  const range = (err as { range?: { start?: number } }).range;
  return typeof range?.start === 'number' ? range.start : 0;
}

function errorSummary(err: unknown): string {
  const summary = (err as { summary?: unknown }).summary;
  if (typeof summary === 'string' && summary) return summary;
  return err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
}

type Ref = { schema: JSONSchemaProps; resourceRoot: boolean } | undefined;
const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** Field selections on `self` that the schema does not declare are compile errors, as with kube's typed CEL. */
function checkFieldReferences(
  root: AstNode,
  selfRef: Ref,
  oldSelfRef: Ref,
): { offset: number; message: string } | undefined {
  let problem: { offset: number; message: string } | undefined;
  const select = (base: Ref, field: string, node: AstNode): Ref => {
    if (!base || problem) return undefined;
    const s = base.schema;
    if (s['x-kubernetes-int-or-string'] === true) return undefined;
    const ap = mapValueSchema(s);
    if (ap) return { schema: ap, resourceRoot: ap['x-kubernetes-embedded-resource'] === true };
    if (s.type !== 'object') return undefined;
    const f = celFields(s, base.resourceRoot).get(field);
    if (!f) {
      const end = node.range?.end ?? 0;
      problem = { offset: Math.max(0, end - field.length - 1), message: `undefined field '${field}'` };
      return undefined;
    }
    return { schema: f.schema, resourceRoot: f.resourceRoot };
  };
  const elementOf = (r: Ref): Ref => {
    if (!r) return undefined;
    if (r.schema.type === 'array' && r.schema.items)
      return {
        schema: r.schema.items,
        resourceRoot: r.schema.items['x-kubernetes-embedded-resource'] === true,
      };
    return undefined;
  };
  const walk = (n: AstNode, scope: Map<string, Ref>): Ref => {
    if (problem) return undefined;
    switch (n.op) {
      case 'id':
        return scope.get(n.args as string);
      case '.':
      case '.?': {
        const [obj, field] = n.args as [AstNode, string];
        return select(walk(obj, scope), field, n);
      }
      case '[]':
      case '[?]': {
        const [obj, idx] = n.args as [AstNode, AstNode];
        const base = walk(obj, scope);
        walk(idx, scope);
        if (!base) return undefined;
        const ap = mapValueSchema(base.schema);
        if (ap) return { schema: ap, resourceRoot: ap['x-kubernetes-embedded-resource'] === true };
        return elementOf(base);
      }
      case 'rcall': {
        const [name, receiver, args] = n.args as [string, AstNode, AstNode[]];
        const recv = walk(receiver, scope);
        const first = args[0];
        if (MACROS.has(name) && first?.op === 'id' && args.length >= 2) {
          const inner = new Map(scope);
          inner.set(first.args as string, elementOf(recv));
          for (const a of args.slice(1)) walk(a, inner);
        } else if (name === 'bind' && first?.op === 'id' && args.length === 3) {
          walk(args[1]!, scope);
          const inner = new Map(scope);
          inner.set(first.args as string, undefined);
          walk(args[2]!, inner);
        } else {
          for (const a of args) walk(a, scope);
        }
        return undefined;
      }
      default:
        for (const c of childNodes(n)) walk(c, scope);
        return undefined;
    }
  };
  walk(
    root,
    new Map<string, Ref>([
      ['self', selfRef],
      ['oldSelf', oldSelfRef],
    ]),
  );
  return problem;
}

/** Compiles the rules of one schema node. */
export function compileRules(
  s: JSONSchemaProps,
  resourceRoot: boolean,
): { compiled: (CompiledRule | undefined)[]; problems: RuleCompileProblem[] } {
  const rules = s['x-kubernetes-validations'] ?? [];
  const envs = celRuleEnvironments();
  const compiled: (CompiledRule | undefined)[] = [];
  const problems: RuleCompileProblem[] = [];
  const selfRef: Ref = { schema: s, resourceRoot };
  rules.forEach((rule, i) => {
    if (!rule.rule || rule.rule.trim() === '') {
      compiled.push(undefined);
      return;
    }
    const optionalOldSelf = rule.optionalOldSelf === true;
    const env = optionalOldSelf ? envs.optional : envs.plain;
    let program: ParseResult;
    try {
      program = env.parse(rule.rule);
    } catch (err) {
      problems.push({
        index: i,
        part: 'rule',
        detail: `compilation failed: ${renderIssue(rule.rule, errorOffset(err), `Syntax error: ${errorSummary(err)}`)}`,
      });
      compiled.push(undefined);
      return;
    }
    const checked = program.check();
    if (!checked.valid) {
      problems.push({
        index: i,
        part: 'rule',
        detail: `compilation failed: ${renderIssue(rule.rule, errorOffset(checked.error), errorSummary(checked.error))}`,
      });
      compiled.push(undefined);
      return;
    }
    const ast = program.ast as unknown as AstNode;
    const fieldProblem = checkFieldReferences(ast, selfRef, optionalOldSelf ? undefined : selfRef);
    if (fieldProblem) {
      problems.push({
        index: i,
        part: 'rule',
        detail: `compilation failed: ${renderIssue(rule.rule, fieldProblem.offset, fieldProblem.message)}`,
      });
      compiled.push(undefined);
      return;
    }
    if (checked.type !== 'bool' && checked.type !== 'dyn') {
      problems.push({ index: i, part: 'rule', detail: 'cel expression must evaluate to a bool' });
      compiled.push(undefined);
      return;
    }
    let messageProgram: ParseResult | undefined;
    if (rule.messageExpression) {
      try {
        messageProgram = env.parse(rule.messageExpression);
        const mc = messageProgram.check();
        if (!mc.valid) {
          problems.push({
            index: i,
            part: 'messageExpression',
            detail: `messageExpression compilation failed: ${renderIssue(rule.messageExpression, errorOffset(mc.error), errorSummary(mc.error))}`,
          });
          messageProgram = undefined;
        } else if (mc.type !== 'string' && mc.type !== 'dyn') {
          problems.push({
            index: i,
            part: 'messageExpression',
            detail: 'messageExpression must evaluate to a string',
          });
          messageProgram = undefined;
        }
      } catch (err) {
        problems.push({
          index: i,
          part: 'messageExpression',
          detail: `messageExpression compilation failed: ${renderIssue(rule.messageExpression, errorOffset(err), `Syntax error: ${errorSummary(err)}`)}`,
        });
        messageProgram = undefined;
      }
    }
    let fieldPath = '';
    if (rule.fieldPath) {
      const found = validFieldPath(rule.fieldPath, s);
      if ('path' in found) fieldPath = found.path;
    }
    compiled.push({
      rule,
      program,
      ...(messageProgram ? { messageProgram } : {}),
      usesOldSelf: usesIdentifier(ast, 'oldSelf'),
      optionalOldSelf,
      fieldPath,
    });
  });
  return { compiled, problems };
}

function unescapeSingleQuote(s: string): string | undefined {
  let bad = false;
  const out = s.replace(/\\./g, (m) => {
    const map: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      "'": "'",
      '\\': '\\',
    };
    const r = map[m[1]!];
    if (r === undefined) bad = true;
    return r ?? '';
  });
  return bad ? undefined : out;
}

function tokenize(path: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i]!;
    if (c === '.' || c === '[' || c === ']') {
      tokens.push(c);
      i++;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      while (j < path.length && !(path[j] === "'" && path[j - 1] !== '\\')) j++;
      tokens.push(path.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < path.length && !'.[]'.includes(path[j]!)) j++;
    tokens.push(path.slice(i, j));
    i = j;
  }
  return tokens;
}

/**
 * kube's ValidFieldPath: a `.a.b['c']` path that must exist in the schema. Returns the normalized field path
 * (`a.b[c]` for map keys) and the schema it points to.
 */
export function validFieldPath(
  jsonPath: string,
  root: JSONSchemaProps,
  allowArrayNotation = true,
): { path: string; schema: JSONSchemaProps } | { error: string } {
  let s: JSONSchemaProps | undefined = root;
  let path = '';
  const append = (name: string, named: boolean): string | undefined => {
    if (!s) return 'does not refer to a valid field';
    if (!named) {
      path = key(path, name);
      s = mapValueSchema(s) ?? (isPlainObject(s.additionalProperties) ? s.additionalProperties : undefined);
      return undefined;
    }
    path = child(path, name);
    const next: JSONSchemaProps | undefined = s.properties?.[name];
    if (!next) return 'does not refer to a valid field';
    s = next;
    return undefined;
  };
  const tokens = tokenize(jsonPath);
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const current: JSONSchemaProps | undefined = s;
    if (tok === '[') {
      if (!allowArrayNotation) return { error: 'array notation is not allowed' };
      const quoted = tokens[++i];
      if (quoted === undefined) return { error: 'unexpected end of JSON path' };
      if (quoted.length < 2 || !quoted.startsWith("'") || !quoted.endsWith("'"))
        return { error: `expected single quoted string but got ${quoted}` };
      const unescaped = unescapeSingleQuote(quoted.slice(1, -1));
      if (unescaped === undefined) return { error: 'invalid string literal: invalid escape char' };
      const named = current?.properties !== undefined;
      if (!named && current?.additionalProperties === undefined)
        return { error: 'does not refer to a valid field' };
      const err = append(unescaped, named);
      if (err) return { error: err };
      const close = tokens[++i];
      if (close === undefined) return { error: 'unexpected end of JSON path' };
      if (close !== ']') return { error: `expected ] but got ${close}` };
    } else if (tok === '.') {
      const name = tokens[++i];
      if (name === undefined) return { error: 'unexpected end of JSON path' };
      const named = current?.properties !== undefined;
      if (!named && current?.additionalProperties === undefined)
        return { error: 'does not refer to a valid field' };
      const err = append(name, named);
      if (err) return { error: err };
    } else {
      return { error: `expected [ or . but got: ${tok}` };
    }
  }
  return { path, schema: s };
}

/** Compiled rules per schema node, plus the root schema they were compiled for. */
export type RuleIndex = Map<JSONSchemaProps, (CompiledRule | undefined)[]>;

function ruleErrorString(rule: ValidationRule): string {
  return rule.message && rule.message.trim() ? rule.message.trim() : rule.rule.trim();
}

function ruleMessageOrDefault(rule: ValidationRule): string {
  return rule.message && rule.message.trim() ? rule.message.trim() : `failed rule: ${rule.rule.trim()}`;
}

function fieldErrorForReason(
  path: string,
  typeName: string,
  detail: string,
  reason: ValidationRule['reason'],
): FieldError {
  switch (reason) {
    case 'FieldValueForbidden':
      return fieldErrors.forbidden(path, detail);
    case 'FieldValueRequired':
      return fieldErrors.required(path, detail);
    case 'FieldValueDuplicate':
      return fieldErrors.duplicate(path, typeName);
    case 'FieldValueInvalid':
    case undefined:
      return fieldErrors.invalid(path, typeName, detail);
  }
}

function runtimeMessage(err: unknown): string {
  const text = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
  return text.replace(/^No such key/, 'no such key');
}

interface Correlated {
  value: unknown;
  old: unknown;
}

/** Thrown to stop evaluation when the budget (time) is exhausted. */
export class CelBudgetExceeded extends Error {
  constructor() {
    super('cel budget exceeded');
  }
}

/** Evaluates every compiled rule over an object, depth first, as kube's CEL validator does. */
export class CelRuleEvaluator {
  readonly #rules: RuleIndex;
  readonly #converter: CelValueConverter;
  readonly #errors: FieldError[];
  readonly #equalCache = new WeakMap<object, boolean>();
  /** Where evaluation currently is, so a timeout can be reported at the right node. */
  current: { path: string; type: string } = { path: '', type: 'object' };

  constructor(rules: RuleIndex, converter: CelValueConverter, errors: FieldError[]) {
    this.#rules = rules;
    this.#converter = converter;
    this.#errors = errors;
  }

  /** Validates `obj`; with `old`, transition rules run and (when `ratchet`) unchanged values keep old errors quiet. */
  validate(
    s: JSONSchemaProps,
    path: string,
    obj: unknown,
    old: { v: unknown } | undefined,
    resourceRoot: boolean,
    ratchet = true,
  ): void {
    const rootCorrelation: Correlated | undefined = old && ratchet ? { value: obj, old: old.v } : undefined;
    this.#node(s, path, obj, old, resourceRoot, rootCorrelation, undefined, true);
  }

  #unchanged(c: Correlated | undefined): boolean {
    if (!c) return false;
    if (typeof c.value === 'object' && c.value !== null) {
      const hit = this.#equalCache.get(c.value);
      if (hit !== undefined) return hit;
      const eq = jsonEqual(c.value, c.old);
      this.#equalCache.set(c.value, eq);
      return eq;
    }
    return jsonEqual(c.value, c.old);
  }

  #node(
    s: JSONSchemaProps,
    path: string,
    obj: unknown,
    old: { v: unknown } | undefined,
    resourceRoot: boolean,
    current: Correlated | undefined,
    nearest: Correlated | undefined,
    atRoot: boolean,
  ): void {
    if (obj === null || obj === undefined) return;
    const oldValue = old && old.v !== null && old.v !== undefined ? old : undefined;
    const rules = this.#rules.get(s);
    if (rules && rules.length > 0)
      this.#evaluate(s, rules, path, obj, oldValue, resourceRoot, current, nearest);
    if (Array.isArray(obj)) {
      if (!s.items) return;
      const items = s.items;
      const embedded = items['x-kubernetes-embedded-resource'] === true;
      const oldItems = oldValue && Array.isArray(oldValue.v) ? mapListIndex(s, oldValue.v) : undefined;
      (obj as unknown[]).forEach((item, i) => {
        const corr = oldItems?.(item);
        const childCurrent = current && corr ? { value: item, old: corr.old } : undefined;
        this.#node(
          items,
          index(path, i),
          item,
          corr ? { v: corr.old } : undefined,
          embedded,
          childCurrent,
          current ? current : nearest,
          false,
        );
      });
      return;
    }
    if (!isPlainObject(obj)) return;
    const oldObj = oldValue && isPlainObject(oldValue.v) ? oldValue.v : undefined;
    const childOf = (
      k: string,
    ): {
      old: { v: unknown } | undefined;
      current: Correlated | undefined;
      nearest: Correlated | undefined;
    } => {
      const has =
        oldObj !== undefined && Object.prototype.hasOwnProperty.call(oldObj, k) && oldObj[k] !== undefined;
      const o = has ? { v: oldObj[k] } : undefined;
      if (!current) return { old: o, current: undefined, nearest };
      if (atRoot && !nearest && (k === 'apiVersion' || k === 'kind'))
        return { old: o, current: undefined, nearest: undefined };
      return { old: o, current: has ? { value: obj[k], old: oldObj[k] } : undefined, nearest: current };
    };
    const ap = mapValueSchema(s);
    if (ap) {
      const embedded = ap['x-kubernetes-embedded-resource'] === true;
      for (const [k, v] of Object.entries(obj)) {
        const c = childOf(k);
        this.#node(ap, key(path, k), v, c.old, embedded, c.current, c.nearest, false);
      }
    }
    const props = s.properties;
    if (props) {
      for (const [k, v] of Object.entries(obj)) {
        const ps = props[k];
        if (!ps) continue;
        const c = childOf(k);
        this.#node(
          ps,
          child(path, k),
          v,
          c.old,
          ps['x-kubernetes-embedded-resource'] === true,
          c.current,
          c.nearest,
          false,
        );
      }
    }
  }

  #evaluate(
    s: JSONSchemaProps,
    rules: (CompiledRule | undefined)[],
    path: string,
    obj: unknown,
    old: { v: unknown } | undefined,
    resourceRoot: boolean,
    current: Correlated | undefined,
    nearest: Correlated | undefined,
  ): void {
    const typeName = s.type ?? '';
    this.current = { path, type: typeName };
    const self = this.#converter.convert(obj, s, resourceRoot);
    const needsOld = rules.some((r) => r?.usesOldSelf);
    const oldSelf = needsOld && old ? this.#converter.convert(old.v, s, resourceRoot) : undefined;
    const ratchet = (): boolean => this.#unchanged(current ?? nearest);
    for (const compiled of rules) {
      if (!compiled) continue;
      const { rule } = compiled;
      if (compiled.usesOldSelf && !old && !compiled.optionalOldSelf) continue;
      const activation: Record<string, unknown> = { self };
      if (compiled.optionalOldSelf) activation.oldSelf = old ? Optional.of(oldSelf) : Optional.none();
      else if (old) activation.oldSelf = oldSelf;
      let result: unknown;
      try {
        result = compiled.program(activation);
      } catch (err) {
        if (err instanceof CelBudgetExceeded) throw err;
        const msg = runtimeMessage(err);
        if (msg.startsWith('no such overload'))
          this.#errors.push(
            fieldErrors.invalid(
              path,
              typeName,
              `'${msg}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule)}`,
            ),
          );
        else
          this.#errors.push(
            fieldErrors.invalid(path, typeName, `${msg} evaluating rule: ${ruleErrorString(rule)}`),
          );
        continue;
      }
      if (result === true) continue;
      if (typeof result !== 'boolean') {
        this.#errors.push(
          fieldErrors.invalid(
            path,
            typeName,
            `no such overload: rule did not evaluate to a bool evaluating rule: ${ruleErrorString(rule)}`,
          ),
        );
        continue;
      }
      const errPath = compiled.fieldPath ? child(path, compiled.fieldPath) : path;
      let detail = ruleMessageOrDefault(rule);
      if (compiled.messageProgram) {
        try {
          const message: unknown = compiled.messageProgram(
            compiled.optionalOldSelf ? { ...activation, oldSelf: old ? oldSelf : null } : activation,
          );
          if (typeof message === 'string') {
            const trimmed = message.trim();
            if (trimmed && !/[\n]/.test(trimmed) && Buffer.byteLength(trimmed, 'utf8') <= 5 * 1024)
              detail = trimmed;
          }
        } catch (err) {
          if (err instanceof CelBudgetExceeded) throw err;
        }
      }
      if (!compiled.usesOldSelf && ratchet()) continue;
      this.#errors.push(fieldErrorForReason(errPath, typeName, detail, rule.reason));
    }
  }
}
