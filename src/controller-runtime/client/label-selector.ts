import type { LabelSelectorInput } from './client.js';

/** The wire form of a selector: strings pass through, label maps become `k=v,k2=v2` (sorted, stable). */
export function formatLabelSelector(input: LabelSelectorInput | undefined): string {
  if (input === undefined) return '';
  if (typeof input === 'string') return input;
  return Object.keys(input)
    .sort()
    .map((k) => `${k}=${input[k]}`)
    .join(',');
}

type Requirement =
  | { key: string; op: 'in'; values: Set<string> }
  | { key: string; op: 'notin'; values: Set<string> }
  | { key: string; op: 'exists' }
  | { key: string; op: '!exists' };

export class LabelSelectorParseError extends Error {
  override readonly name = 'LabelSelectorParseError';
}

/**
 * A compiled label selector (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, comma = AND),
 * for filtering cached objects the way the API server filters lists.
 */
export class LabelSelector {
  readonly #requirements: Requirement[];
  readonly text: string;

  private constructor(text: string, requirements: Requirement[]) {
    this.text = text;
    this.#requirements = requirements;
  }

  static parse(input: LabelSelectorInput | undefined): LabelSelector {
    const text = formatLabelSelector(input).trim();
    const requirements: Requirement[] = [];
    for (const part of splitTopLevel(text)) {
      const p = part.trim();
      if (!p) continue;
      let m: RegExpMatchArray | null;
      if ((m = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p))) {
        const values = new Set((m[3] ?? '').split(',').map((v) => v.trim()));
        requirements.push({ key: m[1] ?? '', op: m[2] as 'in' | 'notin', values });
      } else if ((m = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(p))) {
        const values = new Set([m[3] ?? '']);
        requirements.push({ key: m[1] ?? '', op: m[2] === '!=' ? 'notin' : 'in', values });
      } else if ((m = /^!\s*([^\s!=(),]+)$/.exec(p))) {
        requirements.push({ key: m[1] ?? '', op: '!exists' });
      } else if ((m = /^([^\s!=(),]+)$/.exec(p))) {
        requirements.push({ key: m[1] ?? '', op: 'exists' });
      } else {
        throw new LabelSelectorParseError(`invalid label selector "${text}": cannot parse "${p}"`);
      }
    }
    return new LabelSelector(text, requirements);
  }

  get empty(): boolean {
    return this.#requirements.length === 0;
  }

  matches(labels: Record<string, string> | undefined): boolean {
    for (const r of this.#requirements) {
      const value = labels?.[r.key];
      const has = value !== undefined;
      switch (r.op) {
        case 'in':
          if (!has || !r.values.has(value)) return false;
          break;
        case 'notin':
          if (has && r.values.has(value)) return false;
          break;
        case 'exists':
          if (!has) return false;
          break;
        case '!exists':
          if (has) return false;
          break;
      }
    }
    return true;
  }
}

/** Splits on commas that are not inside `( )`. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
