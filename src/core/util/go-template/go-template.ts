import { TemplateExecutor, type MissingKeyMode } from './go-template-exec.js';
import { BUILTIN_FUNCTIONS, type FunctionSpec } from './go-template-functions.js';
import type { ListNode } from './go-template-nodes.js';
import { parseTemplateTree } from './go-template-parser.js';
import { SPRIG_FUNCTIONS } from './sprig-functions.js';

/** A caller-supplied template function; its arguments arrive unconverted, a throw fails the call. */
export type GoTemplateFunction = (...args: unknown[]) => unknown;

export interface ParseTemplateOptions {
  /** The template name used in error messages (`template: <name>:1: ...`). */
  readonly name?: string;
  /** Extra functions, on top of text/template's builtins and the sprig subset; they may override sprig's. */
  readonly functions?: Readonly<Record<string, GoTemplateFunction>>;
}

export interface ExecuteOptions {
  /** Go's `missingkey` option; upstream's naming templates use `error`. Defaults to `default`. */
  readonly missingKey?: MissingKeyMode;
}

/** A parsed template; safe to execute many times with different data. */
export class GoTemplate {
  readonly name: string;
  readonly #text: string;
  readonly #root: ListNode;
  readonly #functions: ReadonlyMap<string, FunctionSpec>;

  constructor(name: string, text: string, root: ListNode, functions: ReadonlyMap<string, FunctionSpec>) {
    this.name = name;
    this.#text = text;
    this.#root = root;
    this.#functions = functions;
  }

  /**
   * Renders the template. Data is JSON-shaped (numbers are Go float64; pass bigint for Go ints).
   * Throws TemplateExecError with Go's wording on failure.
   */
  execute(data: unknown, options: ExecuteOptions = {}): string {
    return new TemplateExecutor({
      name: this.name,
      text: this.#text,
      functions: this.#functions,
      missingKey: options.missingKey ?? 'default',
    }).run(this.#root, data);
  }
}

export type Template = GoTemplate;

/**
 * Parses a Go text/template with sprig's common functions, the way upstream Cluster API parses naming
 * and inline patch templates. Throws TemplateParseError for bad syntax, unknown functions and the
 * unsupported define/template/block actions.
 */
export function parseTemplate(text: string, options: ParseTemplateOptions = {}): GoTemplate {
  const name = options.name ?? 'template';
  // As in Go, functions added with Funcs (sprig's, then the caller's) take precedence over the builtins.
  const functions = new Map<string, FunctionSpec>([...BUILTIN_FUNCTIONS, ...SPRIG_FUNCTIONS]);
  for (const [fname, fn] of Object.entries(options.functions ?? {})) {
    functions.set(fname, { params: [], variadic: 'any', fn });
  }
  const root = parseTemplateTree(name, text, (fn) => functions.has(fn));
  return new GoTemplate(name, text, root, functions);
}
