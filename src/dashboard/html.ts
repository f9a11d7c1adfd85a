const TRUSTED: unique symbol = Symbol('trusted html');

/**
 * HTML built only through the `html` tag: every interpolated value is escaped unless it is itself `Html` made
 * by the tag (or `join` of such), so a Cluster name, a condition message or an Event's text can never turn
 * into markup. There is no way to mark an arbitrary string as safe.
 */
export class Html {
  readonly #text: string;
  /** Only this module holds the key, so only the tag and `join` make `Html`. */
  constructor(key: typeof TRUSTED, text: string) {
    if (key !== TRUSTED) throw new TypeError('Html is made by the html tag only');
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

/** A value an `html` template accepts: text (escaped), numbers, nothing (`undefined`, `false`), or markup. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.toString();
  if (value === undefined || value === null || value === false || value === true) return '';
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/** The template tag: `` html`<td>${name}</td>` `` escapes `name`; nested `html` values pass through. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(TRUSTED, out);
}

/** Markup of several values, separated by `separator` (itself escaped unless `Html`). */
export function join(values: readonly HtmlValue[], separator: HtmlValue = ''): Html {
  return new Html(TRUSTED, values.map(render).join(render(separator)));
}
