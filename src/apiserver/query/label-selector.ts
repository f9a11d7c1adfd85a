import { SelectorParseError } from './selector-errors.js';
import {
  aggregateMessages,
  invalidFieldMessage,
  labelKeyErrors,
  labelValueErrors,
} from './label-validation.js';

/**
 * Label selectors (`?labelSelector=`, `kubectl -l`) as apimachinery `pkg/labels/selector.go` parses and
 * matches them:
 *
 *     app=web,tier!=db,env in (prod,staging),!canary,release,shard>3
 *
 * Requirements are ANDed. `=`/`==` need the key with that value; `!=` and `notin` also match objects
 * without the key; `in`/`notin` take a set (`()` is the set holding the empty string); a bare key means
 * "exists", `!key` "does not exist"; `>`/`<` compare integers (the `gt`/`lt` operators).
 */

/** selection.Operator values, spelled as apimachinery spells them. */
export type LabelSelectorOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelSelectorOperator;
  /** Sorted and de-duplicated for `in`/`notin` (a Go string set); one value for `=`, `==`, `!=`, `gt`, `lt`. */
  readonly values: readonly string[];
}

const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'] as const;

function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

/** Does `labels` satisfy one requirement (apimachinery `Requirement.Matches`)? */
export function requirementMatches(
  r: LabelRequirement,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(value ?? '');
    case '!=':
    case 'notin':
      return !has || !r.values.includes(value ?? '');
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const actual = parseInt64(value ?? '');
      const wanted = parseInt64(r.values[0] ?? '');
      if (actual === undefined || wanted === undefined) return false;
      return r.operator === 'gt' ? actual > wanted : actual < wanted;
    }
  }
}

function requirementString(r: LabelRequirement): string {
  const values = r.values.length === 1 ? (r.values[0] ?? '') : [...r.values].sort().join(',');
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
      return `${r.key} in (${values})`;
    case 'notin':
      return `${r.key} notin (${values})`;
    case 'gt':
      return `${r.key}>${values}`;
    case 'lt':
      return `${r.key}<${values}`;
    case '=':
    case '==':
    case '!=':
      return `${r.key}${r.operator}${values}`;
  }
}

/**
 * A parsed label selector. `LabelSelector.everything()` (what an empty string parses to) matches every
 * object; `LabelSelector.nothing()` (what a null metav1.LabelSelector converts to) matches none.
 */
export class LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  readonly #nothing: boolean;

  private constructor(requirements: readonly LabelRequirement[], nothing: boolean) {
    this.requirements = requirements;
    this.#nothing = nothing;
  }

  static everything(): LabelSelector {
    return new LabelSelector([], false);
  }

  static nothing(): LabelSelector {
    return new LabelSelector([], true);
  }

  /** Requirements sorted by key (Go's `sort.Sort(ByKey)`), as `Parse` and `Add` leave them. */
  static of(requirements: readonly LabelRequirement[]): LabelSelector {
    const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return new LabelSelector(sorted, false);
  }

  /** AND of all requirements; absent labels are an empty set. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    if (this.#nothing) return false;
    return this.requirements.every((r) => requirementMatches(r, labels));
  }

  /** True when the selector does not restrict anything (apimachinery `Empty()`); false for `nothing()`. */
  isEmpty(): boolean {
    return !this.#nothing && this.requirements.length === 0;
  }

  isNothing(): boolean {
    return this.#nothing;
  }

  /**
   * The single value `key` must have (first requirement on `key` being `=`, `==` or a one-value `in`),
   * for index lookups; undefined otherwise (apimachinery `RequiresExactMatch`).
   */
  requiresExactMatch(key: string): string | undefined {
    const r = this.requirements.find((req) => req.key === key);
    if (!r) return undefined;
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) {
      return r.values[0];
    }
    return undefined;
  }

  /** The canonical text (`a=b,c in (x,y)`); empty for everything and nothing alike. */
  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

/**
 * apimachinery `NewRequirement`: validates the key, the operator's arity and each value. Returns the
 * requirement with the field-error messages (empty when valid), worded as upstream with field paths
 * `key`, `values`, `values[i]` and `values[i][<key>]`. `values: null` stands for Go's nil slice, which
 * error messages print as `null`.
 */
export function newLabelRequirement(
  key: string,
  operator: LabelSelectorOperator,
  values: readonly string[] | null,
): { requirement: LabelRequirement; errors: string[] } {
  const errors: string[] = [];
  const vals = values ?? [];
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length > 0) errors.push(invalidFieldMessage('key', key, keyErrs.join('; ')));
  switch (operator) {
    case 'in':
    case 'notin':
      if (vals.length === 0) {
        errors.push(
          invalidFieldMessage('values', values, "for 'in', 'notin' operators, values set can't be empty"),
        );
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) {
        errors.push(
          invalidFieldMessage('values', values, 'exact-match compatibility requires one single value'),
        );
      }
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) {
        errors.push(
          invalidFieldMessage('values', values, 'values set must be empty for exists and does not exist'),
        );
      }
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) {
        errors.push(
          invalidFieldMessage('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"),
        );
      }
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errors.push(
            invalidFieldMessage(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"),
          );
        }
      });
      break;
  }
  vals.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0)
      errors.push(invalidFieldMessage(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  return { requirement: { key, operator, values: [...vals] }, errors: [...new Set(errors)] };
}

// ---- lexer -------------------------------------------------------------------------------------------

type Token =
  | 'error'
  | 'eos'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

const STRING_TO_TOKEN: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', 'closedPar'],
  [',', 'comma'],
  ['!', 'doesNotExist'],
  ['==', 'doubleEquals'],
  ['=', 'equals'],
  ['>', 'greaterThan'],
  ['in', 'in'],
  ['<', 'lessThan'],
  ['!=', 'notEquals'],
  ['notin', 'notIn'],
  ['(', 'openPar'],
]);

/** The binary operators `#parseOperator` accepts; `!` is unary and only valid before a key. */
const OPERATOR_TOKENS: ReadonlyMap<Token, LabelSelectorOperator> = new Map<Token, LabelSelectorOperator>([
  ['in', 'in'],
  ['equals', '='],
  ['doubleEquals', '=='],
  ['greaterThan', 'gt'],
  ['lessThan', 'lt'],
  ['notIn', 'notin'],
  ['notEquals', '!='],
]);

interface ScannedItem {
  tok: Token;
  literal: string;
}

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string): boolean => '=!(),><'.includes(ch) && ch.length === 1;

function scan(input: string): ScannedItem[] {
  const items: ScannedItem[] = [];
  let pos = 0;
  for (;;) {
    while (pos < input.length && isWhitespace(input[pos] ?? '')) pos++;
    if (pos >= input.length) {
      items.push({ tok: 'eos', literal: '' });
      return items;
    }
    const ch = input[pos] ?? '';
    if (isSpecialSymbol(ch)) {
      // Longest run of special symbols that still forms a token ("!=" but not "=(").
      let buffer = '';
      let last: ScannedItem | undefined;
      while (pos < input.length && isSpecialSymbol(input[pos] ?? '')) {
        buffer += input[pos];
        const tok = STRING_TO_TOKEN.get(buffer);
        if (tok) {
          last = { tok, literal: buffer };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: 'error', literal: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = '';
      while (pos < input.length && !isSpecialSymbol(input[pos] ?? '') && !isWhitespace(input[pos] ?? '')) {
        buffer += input[pos];
        pos++;
      }
      items.push({ tok: STRING_TO_TOKEN.get(buffer) ?? 'identifier', literal: buffer });
    }
  }
}

// ---- parser ------------------------------------------------------------------------------------------

class Fail extends Error {}

class Parser {
  readonly #items: ScannedItem[];
  #position = 0;

  constructor(input: string) {
    this.#items = scan(input);
  }

  /** In a values context the keywords `in`/`notin` are plain identifiers (`x in (in)`). */
  #lookahead(values: boolean): ScannedItem {
    const item = this.#items[this.#position] ?? { tok: 'eos', literal: '' };
    return values && (item.tok === 'in' || item.tok === 'notIn')
      ? { tok: 'identifier', literal: item.literal }
      : item;
  }

  #consume(values: boolean): ScannedItem {
    const item = this.#lookahead(values);
    this.#position++;
    return item;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const { tok, literal } = this.#lookahead(true);
      if (tok === 'identifier' || tok === 'doesNotExist') {
        try {
          requirements.push(this.#parseRequirement());
        } catch (err) {
          if (err instanceof Fail) throw new Fail(`unable to parse requirement: ${err.message}`);
          throw err;
        }
        const next = this.#consume(true);
        if (next.tok === 'eos') return requirements;
        if (next.tok === 'comma') {
          const after = this.#lookahead(true);
          if (after.tok !== 'identifier' && after.tok !== 'doesNotExist') {
            throw new Fail(`found '${after.literal}', expected: identifier after ','`);
          }
          continue;
        }
        throw new Fail(`found '${next.literal}', expected: ',' or 'end of string'`);
      }
      if (tok === 'eos') return requirements;
      throw new Fail(`found '${literal}', expected: !, identifier, or 'end of string'`);
    }
  }

  #parseRequirement(): LabelRequirement {
    const { key, operator: inferred } = this.#parseKeyAndInferOperator();
    let operator: LabelSelectorOperator;
    let values: string[];
    if (inferred === 'exists' || inferred === '!') {
      operator = inferred;
      values = [];
    } else {
      operator = this.#parseOperator();
      values = operator === 'in' || operator === 'notin' ? this.#parseValues() : this.#parseExactValue();
    }
    const sorted = [...new Set(values)].sort();
    const { requirement, errors } = newLabelRequirement(key, operator, sorted);
    if (errors.length > 0) throw new Fail(aggregateMessages(errors));
    return requirement;
  }

  #parseKeyAndInferOperator(): { key: string; operator: LabelSelectorOperator | undefined } {
    let operator: LabelSelectorOperator | undefined;
    let item = this.#consume(true);
    if (item.tok === 'doesNotExist') {
      operator = '!';
      item = this.#consume(true);
    }
    if (item.tok !== 'identifier') throw new Fail(`found '${item.literal}', expected: identifier`);
    const keyErrs = labelKeyErrors(item.literal);
    if (keyErrs.length > 0) throw new Fail(invalidFieldMessage(undefined, item.literal, keyErrs.join('; ')));
    const next = this.#lookahead(true).tok;
    if ((next === 'eos' || next === 'comma') && operator !== '!') operator = 'exists';
    return { key: item.literal, operator };
  }

  #parseOperator(): LabelSelectorOperator {
    const { tok, literal } = this.#consume(false);
    const op = OPERATOR_TOKENS.get(tok);
    if (op === undefined) throw new Fail(`found '${literal}', expected: ${BINARY_OPERATORS.join(', ')}`);
    return op;
  }

  #parseValues(): string[] {
    const open = this.#consume(true);
    if (open.tok !== 'openPar') throw new Fail(`found '${open.literal}' expected: '('`);
    const { tok, literal } = this.#lookahead(true);
    if (tok === 'identifier' || tok === 'comma') {
      const values = this.#parseIdentifiersList();
      if (this.#consume(true).tok !== 'closedPar') throw new Fail(`found '${literal}', expected: ')'`);
      return values;
    }
    if (tok === 'closedPar') {
      this.#consume(true);
      return [''];
    }
    throw new Fail(`found '${literal}', expected: ',', ')' or identifier`);
  }

  /** A possibly empty list of possibly empty identifiers: `(a,,b)` and `(,)` include "". */
  #parseIdentifiersList(): string[] {
    const values: string[] = [];
    for (;;) {
      const { tok, literal } = this.#consume(true);
      if (tok === 'identifier') {
        values.push(literal);
        const next = this.#lookahead(true);
        if (next.tok === 'comma') continue;
        if (next.tok === 'closedPar') return values;
        throw new Fail(`found '${next.literal}', expected: ',' or ')'`);
      }
      if (tok === 'comma') {
        if (values.length === 0) values.push('');
        const next = this.#lookahead(true).tok;
        if (next === 'closedPar') {
          values.push('');
          return values;
        }
        if (next === 'comma') {
          // apimachinery ≤ 1.34 swallows the second comma here, so "(a,,)" then fails on ')'.
          this.#consume(true);
          values.push('');
        }
        continue;
      }
      throw new Fail(`found '${literal}', expected: ',', or identifier`);
    }
  }

  #parseExactValue(): string[] {
    const next = this.#lookahead(true).tok;
    if (next === 'eos' || next === 'comma') return [''];
    const { tok, literal } = this.#consume(true);
    if (tok === 'identifier') return [literal];
    throw new Fail(`found '${literal}', expected: identifier`);
  }
}

/**
 * Parses a label selector string. Throws {@link SelectorParseError} with apimachinery's message
 * (`unable to parse requirement: found '', expected: identifier`, …). An empty or blank string is
 * {@link LabelSelector.everything}.
 */
export function parseLabelSelector(text: string): LabelSelector {
  try {
    return LabelSelector.of(new Parser(text).parse());
  } catch (err) {
    if (err instanceof Fail) throw new SelectorParseError('label', text, err.message);
    throw err;
  }
}
