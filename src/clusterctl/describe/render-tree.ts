import pc from 'picocolors';
import { shortDuration, visibleWidth } from '../output.js';
import type { DescribeNode, NodeCondition } from './describe-tree.js';

export interface RenderTreeOptions {
  /** The CLI decides (TTY, `NO_COLOR`, `--color`); without colour the output holds no escape codes. */
  color: boolean;
  /** The clock `SINCE` is measured against (tests pin it). */
  now?: Date;
  /** Messages longer than this wrap onto continuation lines (default 100, as clusterctl). */
  messageWidth?: number;
}

export const DESCRIBE_COLUMNS = [
  'NAME',
  'REPLICAS',
  'AVAILABLE',
  'READY',
  'UP TO DATE',
  'STATUS',
  'REASON',
  'SINCE',
  'MESSAGE',
] as const;

const FIRST = '├─';
const LAST = '└─';
const PIPE = '│ ';
const SPACE = '  ';
/** Condition rows sit this far right of their object's tree line, so they read as details, not children. */
const CONDITION_INDENT = ' '.repeat(10);
const COLUMN_GAP = 2;

type Colors = ReturnType<typeof pc.createColors>;
type Row = string[];

/**
 * The `describe cluster` table: one row per node with tree glyphs in NAME, replica counters, the row's
 * condition (status, reason, since, message); multi-line messages continue on lines of their own under the
 * MESSAGE column, and objects selected by `showConditions` get one indented row per condition.
 */
export function renderClusterTree(tree: DescribeNode, options: RenderTreeOptions): string {
  const renderer = new Renderer(options);
  renderer.node(tree, '', '');
  return formatColumns([[...DESCRIBE_COLUMNS], ...renderer.rows]);
}

class Renderer {
  readonly rows: Row[] = [];
  readonly #c: Colors;
  readonly #now: number;
  readonly #width: number;

  constructor(options: RenderTreeOptions) {
    const c = pc.createColors(options.color);
    // picocolors wraps even an empty string; an empty cell must stay empty.
    this.#c = {
      ...c,
      gray: (text) => (text === '' || text === undefined || text === null ? '' : c.gray(text)),
    };
    this.#now = (options.now ?? new Date()).getTime();
    this.#width = options.messageWidth ?? 100;
  }

  /** `prefix` is this row's tree glyphs; `cont` what lines below it (children, continuations) start with. */
  node(node: DescribeNode, prefix: string, cont: string): void {
    const c = this.#c;
    const hasChildren = node.children.length > 0;
    const cells = this.#cells(node);
    const [first = '', ...more] = this.#wrap(cells.message);
    this.rows.push([
      c.gray(prefix) + this.#name(node),
      node.replicas ?? '',
      node.available ?? '',
      node.ready ?? '',
      node.upToDate ?? '',
      cells.status,
      cells.reason,
      cells.since,
      cells.gray ? c.gray(first) : first,
    ]);
    const continuation = c.gray(cont + (hasChildren ? PIPE : ''));
    for (const line of more) this.rows.push(continuationRow(continuation, cells.gray ? c.gray(line) : line));

    const conditions = node.conditions ?? [];
    const base = cont + (hasChildren ? PIPE : SPACE) + CONDITION_INDENT;
    conditions.forEach((condition, i) => {
      const last = i === conditions.length - 1;
      const [line0 = '', ...rest] = this.#wrap(condition.message);
      this.rows.push([
        c.gray(base + (last ? LAST : FIRST)) + c.cyan(condition.type),
        '',
        '',
        '',
        '',
        this.#status(condition),
        condition.reason,
        this.#since(condition),
        line0,
      ]);
      const conditionCont = c.gray(base + (last ? SPACE : PIPE));
      for (const line of rest) this.rows.push(continuationRow(conditionCont, line));
    });

    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      this.node(child, cont + (last ? LAST : FIRST), cont + (last ? SPACE : PIPE));
    });
  }

  #name(node: DescribeNode): string {
    const c = this.#c;
    const name =
      node.type === 'group'
        ? c.bold(node.displayName)
        : node.type === 'missing'
          ? c.red(node.displayName)
          : node.displayName;
    return node.deleting ? `${c.red('!! DELETED !!')} ${name}` : name;
  }

  #cells(node: DescribeNode): {
    status: string;
    reason: string;
    since: string;
    message: string;
    gray: boolean;
  } {
    const c = this.#c;
    if (node.type === 'missing') {
      return { status: '', reason: c.red('NotFound'), since: '', message: node.note ?? '', gray: false };
    }
    // The condition rows below say it all; repeating one of them on the object's row would be noise.
    if (node.conditions) return { status: '', reason: '', since: '', message: '', gray: false };
    const summary = node.summary;
    const note = node.note;
    if (!summary) return { status: '', reason: '', since: '', message: note ?? '', gray: note !== undefined };
    return {
      status: this.#status(summary),
      reason: summary.reason,
      since: this.#since(summary),
      message: note ?? summary.message,
      gray: note !== undefined,
    };
  }

  #status(condition: NodeCondition): string {
    const c = this.#c;
    const good = condition.positivePolarity ? 'True' : 'False';
    if (condition.status === 'Unknown') return c.yellow(condition.status);
    return condition.status === good ? c.green(condition.status) : c.red(condition.status);
  }

  #since(condition: NodeCondition): string {
    if (!condition.lastTransitionTime) return '';
    const at = Date.parse(condition.lastTransitionTime);
    return Number.isNaN(at) ? '' : shortDuration(this.#now - at);
  }

  #wrap(message: string): string[] {
    return message === '' ? [] : wrapParagraph(message, this.#width);
  }
}

const continuationRow = (name: string, message: string): Row => [name, '', '', '', '', '', '', '', message];

/**
 * Splits `text` into lines of at most `width` characters at spaces, keeping its own line breaks and the
 * indentation of each line (and of `* ` bullets' continuations), as condition messages are laid out.
 */
export function wrapParagraph(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const leading = /^ */.exec(line)?.[0] ?? '';
    const indent = line.trimStart().startsWith('* ') ? `${leading}  ` : leading;
    const words = line.trim().split(/\s+/).filter(Boolean);
    let current = leading;
    for (const word of words) {
      const empty = current.trim() === '';
      if (empty || current.length + 1 + word.length <= width) {
        current += (empty ? '' : ' ') + word;
      } else {
        out.push(current);
        current = indent + word;
      }
    }
    out.push(current.trimEnd());
  }
  return out;
}

/** Left-aligned columns two spaces apart; the last column (MESSAGE) unpadded, trailing blanks trimmed. */
function formatColumns(rows: readonly Row[]): string {
  const count = DESCRIBE_COLUMNS.length;
  const widths = Array.from({ length: count }, (_, i) =>
    Math.max(...rows.map((r) => visibleWidth(r[i] ?? ''))),
  );
  const lines = rows.map((row) =>
    row
      .map((cell, i) =>
        i === count - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleWidth(cell) + COLUMN_GAP),
      )
      .join('')
      .trimEnd(),
  );
  return lines.join('\n') + '\n';
}
