/** Markdown for the bench: tables, and prettier formatting so docs/benchmarks.md stays lint-clean. */
import { format, resolveConfig } from 'prettier';

/** The file the bench rewrites. */
export const BENCHMARKS_DOC = new URL('../docs/benchmarks.md', import.meta.url);

/** A markdown table: `columns` are titles, a trailing `:` right-aligns the column (numbers). */
export function table(columns: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const titles = columns.map((column) => column.replace(/:$/, ''));
  const rule = columns.map((column) => (column.endsWith(':') ? '---:' : '---'));
  return [titles, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`);
}

/** `text` formatted as prettier formats docs/benchmarks.md. */
export async function formatMarkdown(text: string): Promise<string> {
  const options = (await resolveConfig(BENCHMARKS_DOC)) ?? {};
  return format(text, { ...options, parser: 'markdown' });
}

/** A rate per second, rounded to a whole number. */
export function rate(perSecond: number): string {
  return String(Math.round(perSecond));
}
