/**
 * HTML building with escaping by default: every value interpolated into an {@link html} template is
 * escaped unless it is a {@link SafeHtml} fragment (made by `html` itself or, explicitly, by
 * {@link raw}). Plans hold user data (labels, inputs, outputs, error messages, log lines), so the
 * console never concatenates a value into markup any other way.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for use in HTML element content and in quoted attribute values.
 *
 * @param text - any text
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

/** A fragment of markup that is already safe: inserted into templates as it is. */
export class SafeHtml {
  readonly #markup: string;

  /** @internal use {@link html} or {@link raw}. */
  constructor(markup: string) {
    this.#markup = markup;
  }

  /** The markup. */
  get value(): string {
    return this.#markup;
  }

  /** The markup (so a fragment can be written to a response as it is). */
  toString(): string {
    return this.#markup;
  }
}

/**
 * What may be interpolated into an {@link html} template. `null`, `undefined` and booleans render
 * nothing (so `${condition && html`…`}` works); arrays render each item.
 */
export type HtmlValue =
  SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

/**
 * Marks markup as safe without escaping it. Only for fragments the console builds from constants.
 *
 * @param markup - markup that holds no data from plans or requests
 */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * Tagged template that escapes every interpolated value except {@link SafeHtml} fragments.
 *
 * @example
 * ```ts
 * html`<td>${plan.label}</td>`; // the label is escaped
 * ```
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + (strings[i + 1] ?? '');
  }
  return new SafeHtml(out);
}

/**
 * Joins fragments (each escaped unless safe) with an optional safe separator.
 *
 * @param values - the parts
 * @param separator - markup put between parts
 */
export function join(values: readonly HtmlValue[], separator: SafeHtml = raw('')): SafeHtml {
  return new SafeHtml(values.map(render).join(separator.value));
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number') return escapeHtml(String(value));
  if (value === null || value === undefined || typeof value === 'boolean') return '';
  if (!Array.isArray(value)) {
    // Only reachable around the types (an object cast to a string): escaped like any text.
    return escapeHtml(String(value));
  }
  let out = '';
  // Nested arrays are rare and shallow (lists of rows); each item is rendered the same way.
  for (const item of value as readonly HtmlValue[]) out += render(item);
  return out;
}
