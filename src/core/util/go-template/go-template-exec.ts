import { TemplateExecError } from './go-template-errors.js';
import {
  BUILTIN_FUNCTIONS,
  GO_PARAM_TYPE_NAMES,
  type FunctionSpec,
  type ParamKind,
} from './go-template-functions.js';
import {
  nodeString,
  type ArgNode,
  type BoolNode,
  type NumberNode,
  type StringNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type ListNode,
  type PipeNode,
  type TreeNode,
  type VariableNode,
} from './go-template-nodes.js';
import {
  formatValue,
  goQuote,
  goTypeName,
  isGoMap,
  isNil,
  isTrue,
  sortedKeys,
} from './go-template-values.js';

/** Go's `missingkey` option: `default` (and `invalid`) print `<no value>`, `zero` the zero value, `error` fails. */
export type MissingKeyMode = 'default' | 'zero' | 'error';

/** Marks "no value piped in" — distinct from `undefined`, which is Go's invalid (missing) value. */
const NO_FINAL: unique symbol = Symbol('no-final');
type Final = unknown;

class BreakSignal extends Error {}
class ContinueSignal extends Error {}
const BREAK = new BreakSignal();
const CONTINUE = new ContinueSignal();

type Positioned = ArgNode | CommandNode;

/** Runs one parsed template against data. A new instance per execution. */
export class TemplateExecutor {
  readonly #name: string;
  readonly #text: string;
  readonly #funcs: ReadonlyMap<string, FunctionSpec>;
  readonly #missingKey: MissingKeyMode;
  readonly #vars: { name: string; value: unknown }[] = [];
  #out = '';
  #at: Positioned | undefined;

  constructor(options: {
    name: string;
    text: string;
    functions: ReadonlyMap<string, FunctionSpec>;
    missingKey: MissingKeyMode;
  }) {
    this.#name = options.name;
    this.#text = options.text;
    this.#funcs = options.functions;
    this.#missingKey = options.missingKey;
  }

  run(root: ListNode, data: unknown): string {
    this.#vars.push({ name: '$', value: data });
    this.#walk(data, root);
    return this.#out;
  }

  // --- errors ---

  #errorf(msg: string, cause?: unknown): never {
    const node = this.#at;
    let location = this.#name;
    let context = '';
    if (node) {
      const before = this.#text.slice(0, node.pos);
      const nl = before.lastIndexOf('\n');
      const line = 1 + (before.match(/\n/g)?.length ?? 0);
      const col = Buffer.byteLength(before.slice(nl + 1));
      location = `${this.#name}:${line}:${col}`;
      context = ` at <${nodeString(node)}>`;
    }
    throw new TemplateExecError(
      `template: ${location}: executing ${goQuote(this.#name)}${context}: ${msg}`,
      this.#name,
      cause === undefined ? undefined : { cause },
    );
  }

  // --- walking ---

  #walk(dot: unknown, node: TreeNode): void {
    switch (node.type) {
      case 'text':
        this.#out += node.text;
        return;
      case 'list':
        for (const n of node.nodes) this.#walk(dot, n);
        return;
      case 'action': {
        const val = this.#evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.#out += isNil(val) ? '<no value>' : formatValue(val);
        return;
      }
      case 'if':
      case 'with':
        this.#walkIfOrWith(dot, node);
        return;
      case 'range':
        this.#walkRange(dot, node);
        return;
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
    }
  }

  #walkIfOrWith(dot: unknown, node: BranchNode): void {
    const mark = this.#vars.length;
    try {
      const val = this.#evalPipeline(dot, node.pipe);
      if (isTrue(val)) this.#walk(node.type === 'with' ? val : dot, node.list);
      else if (node.elseList) this.#walk(dot, node.elseList);
    } finally {
      this.#vars.length = mark;
    }
  }

  #walkRange(dot: unknown, node: BranchNode): void {
    const mark = this.#vars.length;
    const decl = node.pipe.decl;
    try {
      const val = this.#evalPipeline(dot, node.pipe);
      const one = (index: unknown, elem: unknown): boolean => {
        if (decl.length > 0) {
          if (node.pipe.isAssign) {
            if (decl.length > 1) {
              this.#setVar(decl[0] as VariableNode, index);
              this.#setVar(decl[1] as VariableNode, elem);
            } else {
              this.#setVar(decl[0] as VariableNode, elem);
            }
          } else {
            this.#setTopVar(1, elem);
            if (decl.length > 1) this.#setTopVar(2, index);
          }
        }
        const inner = this.#vars.length;
        try {
          this.#walk(elem, node.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.#vars.length = inner;
        }
        return true;
      };
      let iterated = false;
      if (Array.isArray(val)) {
        for (let i = 0; i < val.length; i++) {
          iterated = true;
          if (!one(BigInt(i), val[i])) break;
        }
      } else if (isGoMap(val)) {
        for (const k of sortedKeys(val)) {
          iterated = true;
          if (!one(k, val[k])) break;
        }
      } else if (typeof val === 'bigint') {
        if (decl.length > 1) this.#errorf(`can't use ${val} to iterate over more than one variable`);
        for (let i = 0n; i < val; i++) {
          iterated = true;
          if (!one(i, i)) break;
        }
      } else if (!isNil(val)) {
        this.#errorf(`range can't iterate over ${formatValue(val)}`);
      }
      if (!iterated && node.elseList) this.#walk(dot, node.elseList);
    } finally {
      this.#vars.length = mark;
    }
  }

  // --- variables ---

  #setVar(v: VariableNode, value: unknown): void {
    const name = v.idents[0] as string;
    for (let i = this.#vars.length - 1; i >= 0; i--) {
      const slot = this.#vars[i] as { name: string; value: unknown };
      if (slot.name === name) {
        slot.value = value;
        return;
      }
    }
    this.#at = v;
    this.#errorf(`undefined variable: ${name}`);
  }

  #setTopVar(n: number, value: unknown): void {
    const slot = this.#vars[this.#vars.length - n];
    if (slot) slot.value = value;
  }

  #varValue(name: string): unknown {
    for (let i = this.#vars.length - 1; i >= 0; i--) {
      const slot = this.#vars[i] as { name: string; value: unknown };
      if (slot.name === name) return slot.value;
    }
    this.#errorf(`undefined variable: ${name}`);
  }

  // --- evaluation ---

  #evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.#at = pipe;
    let value: Final = NO_FINAL;
    for (const cmd of pipe.cmds) {
      value = this.#evalCommand(dot, cmd, value);
      // A nil interface{} result is no value at all, as in Go ("lovely!" in exec.go).
      if (value === null) value = undefined;
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.#setVar(v, value);
      else this.#vars.push({ name: v.idents[0] as string, value });
    }
    return value;
  }

  #notAFunction(args: readonly ArgNode[] | undefined, final: Final): void {
    if ((args && args.length > 1) || final !== NO_FINAL) {
      this.#errorf(`can't give argument to non-function ${nodeString(args?.[0] ?? { type: 'dot', pos: 0 })}`);
    }
  }

  #evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0] as ArgNode;
    switch (first.type) {
      case 'field':
        return this.#evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.#evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.#evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.#at = first;
        this.#notAFunction(cmd.args, final);
        return this.#evalPipeline(dot, first);
      case 'variable':
        return this.#evalVariableNode(dot, first, cmd.args, final);
      case 'bool':
      case 'number':
      case 'string':
        this.#at = first;
        this.#notAFunction(cmd.args, final);
        return first.value;
      case 'dot':
        this.#at = first;
        this.#notAFunction(cmd.args, final);
        return dot;
      case 'nil':
        this.#at = first;
        this.#notAFunction(cmd.args, final);
        this.#errorf('nil is not a command');
    }
  }

  #evalFieldNode(
    dot: unknown,
    field: FieldNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.#at = field;
    return this.#evalFieldChain(dot, field.idents, args, final);
  }

  #evalChainNode(
    dot: unknown,
    chain: ChainNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.#at = chain;
    if (chain.node.type === 'nil') this.#errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const receiver = this.#evalArg(dot, 'any', chain.node);
    this.#at = chain;
    return this.#evalFieldChain(receiver, chain.fields, args, final);
  }

  #evalVariableNode(
    dot: unknown,
    v: VariableNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.#at = v;
    const value = this.#varValue(v.idents[0] as string);
    if (v.idents.length === 1) {
      this.#notAFunction(args, final);
      return value;
    }
    return this.#evalFieldChain(value, v.idents.slice(1), args, final);
  }

  #evalFieldChain(
    receiver: unknown,
    idents: readonly string[],
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    let r = receiver;
    for (let i = 0; i < idents.length - 1; i++)
      r = this.#evalField(idents[i] as string, undefined, NO_FINAL, r);
    return this.#evalField(idents[idents.length - 1] as string, args, final, r);
  }

  #evalField(
    fieldName: string,
    args: readonly ArgNode[] | undefined,
    final: Final,
    receiver: unknown,
  ): unknown {
    if (receiver === undefined) {
      if (this.#missingKey === 'error') this.#errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
      return undefined;
    }
    if (receiver === null) this.#errorf(`nil pointer evaluating interface {}.${fieldName}`);
    if (isGoMap(receiver)) {
      if ((args && args.length > 1) || final !== NO_FINAL)
        this.#errorf(`${fieldName} is not a method but has arguments`);
      if (Object.hasOwn(receiver, fieldName)) {
        const v = receiver[fieldName];
        return v === undefined ? null : v;
      }
      switch (this.#missingKey) {
        case 'error':
          this.#errorf(`map has no entry for key ${goQuote(fieldName)}`);
          break;
        case 'zero':
          return null;
        case 'default':
          return undefined;
      }
    }
    this.#errorf(`can't evaluate field ${fieldName} in type interface {}`);
  }

  #evalFunction(
    dot: unknown,
    node: IdentifierNode,
    cmd: Positioned,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.#at = node;
    const spec = this.#funcs.get(node.name);
    if (!spec) this.#errorf(`${goQuote(node.name)} is not a defined function`);
    return this.#evalCall(dot, spec, cmd, node.name, args, final);
  }

  #evalCall(
    dot: unknown,
    spec: FunctionSpec,
    cmd: Positioned,
    name: string,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    const argNodes = args ? args.slice(1) : [];
    const numIn = argNodes.length + (final === NO_FINAL ? 0 : 1);
    const numFixed = spec.params.length;
    if (spec.variadic !== undefined) {
      if (numIn < numFixed)
        this.#errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${numIn}`);
    } else if (numIn !== numFixed) {
      this.#errorf(`wrong number of args for ${name}: want ${numFixed} got ${numIn}`);
    }
    const kindAt = (i: number): ParamKind => spec.params[i] ?? spec.variadic ?? 'any';

    if (BUILTIN_FUNCTIONS.get(name) === spec && (name === 'and' || name === 'or')) {
      let v: unknown;
      for (const a of argNodes) {
        v = this.#evalArg(dot, 'any', a);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== NO_FINAL) v = this.#validateType(final, 'any');
      return v;
    }

    const argv = argNodes.map((a, i) => this.#evalArg(dot, kindAt(i), a));
    if (final !== NO_FINAL) argv.push(this.#validateType(final, kindAt(argNodes.length)));
    try {
      const result = spec.fn(...argv);
      return result === undefined ? null : result;
    } catch (err) {
      this.#at = cmd;
      this.#errorf(`error calling ${name}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }

  #evalArg(dot: unknown, kind: ParamKind, n: ArgNode): unknown {
    this.#at = n;
    switch (n.type) {
      case 'dot':
        return this.#validateType(dot, kind);
      case 'nil':
        if (kind === 'any' || kind === 'map' || kind === 'list') return null;
        this.#errorf(`cannot assign nil to ${GO_PARAM_TYPE_NAMES[kind]}`);
        break;
      case 'field':
        return this.#validateType(this.#evalFieldNode(dot, n, [n], NO_FINAL), kind);
      case 'variable':
        return this.#validateType(this.#evalVariableNode(dot, n, undefined, NO_FINAL), kind);
      case 'pipe':
        return this.#validateType(this.#evalPipeline(dot, n), kind);
      case 'identifier': {
        const v = this.#evalFunction(dot, n, n, undefined, NO_FINAL);
        this.#at = n;
        return this.#validateType(v, kind);
      }
      case 'chain':
        return this.#validateType(this.#evalChainNode(dot, n, undefined, NO_FINAL), kind);
      case 'bool':
      case 'number':
      case 'string':
        return this.#literalArg(n, kind);
    }
  }

  #literalArg(n: BoolNode | NumberNode | StringNode, kind: ParamKind): unknown {
    switch (kind) {
      case 'any':
        return n.value;
      case 'bool':
        if (n.type === 'bool') return n.value;
        this.#errorf(`expected bool; found ${nodeString(n)}`);
        break;
      case 'string':
        if (n.type === 'string') return n.value;
        this.#errorf(`expected string; found ${nodeString(n)}`);
        break;
      case 'int':
        if (n.type === 'number' && (typeof n.value === 'bigint' || Number.isInteger(n.value)))
          return BigInt(n.value);
        this.#errorf(`expected integer; found ${nodeString(n)}`);
        break;
      case 'map':
      case 'list':
        this.#errorf(`can't handle ${nodeString(n)} for arg of type ${GO_PARAM_TYPE_NAMES[kind]}`);
    }
  }

  #validateType(value: unknown, kind: ParamKind): unknown {
    if (value === undefined) {
      if (kind === 'any' || kind === 'map' || kind === 'list') return null;
      this.#errorf(`invalid value; expected ${GO_PARAM_TYPE_NAMES[kind]}`);
    }
    if (kind === 'any') return value;
    const ok =
      (kind === 'string' && typeof value === 'string') ||
      (kind === 'int' && typeof value === 'bigint') ||
      (kind === 'bool' && typeof value === 'boolean') ||
      (kind === 'map' && isGoMap(value)) ||
      (kind === 'list' && Array.isArray(value));
    if (!ok) {
      const got = value === null ? 'interface {}' : goTypeName(value);
      this.#errorf(`wrong type for value; expected ${GO_PARAM_TYPE_NAMES[kind]}; got ${got}`);
    }
    return value;
  }
}
