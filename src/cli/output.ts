/**
 * Terminal output: colours (only on a TTY without `NO_COLOR`), aligned tables, times and
 * percentages, and JSON.
 */

/** The styles the command uses. */
export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan';

const SGR: Readonly<Record<Style, [number, number]>> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
};

/**
 * Whether to colour output: only when it goes to a terminal and `NO_COLOR` is not set (see
 * no-color.org: set to anything but the empty string).
 *
 * @param isTTY - whether stdout is a terminal
 * @param env - the environment
 */
export function useColor(
  isTTY: boolean | undefined,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/**
 * `text` in `style` when `color` is on, else unchanged.
 *
 * @param text - the text
 * @param style - the style, or `undefined` for none
 * @param color - whether colours are on
 */
export function paint(text: string, style: Style | undefined, color: boolean): string {
  if (!color || style === undefined || text === '') return text;
  const [on, off] = SGR[style];
  return `\x1b[${on}m${text}\x1b[${off}m`;
}

/**
 * The colour of a plan or step state, or of a plan result.
 *
 * @param value - a state or result
 */
export function styleOf(value: string): Style | undefined {
  switch (value) {
    case 'success':
      return 'green';
    case 'error':
      return 'red';
    case 'warning':
    case 'skipping':
    case 'skipped':
    case 'cancelled':
    case 'paused':
      return 'yellow';
    case 'running':
      return 'cyan';
    case 'suspended':
    case 'scheduled':
      return 'magenta';
    case 'pending':
    case 'planned':
    case 'planning':
    case 'scheduling':
      return 'dim';
    default:
      return undefined;
  }
}

/** A table cell: its text and optional style. */
export interface Cell {
  readonly text: string;
  readonly style?: Style | undefined;
  /** Right-align (numbers). */
  readonly right?: boolean;
}

/**
 * Aligns rows under headers, two spaces between columns; styles apply after alignment so that
 * colour codes never shift a column.
 *
 * @param headers - column titles
 * @param rows - one array of cells (or strings) per row, as many as there are headers
 * @param color - whether colours are on (headers are bold then)
 * @param maxWidth - the most characters per line: the last column is cut to fit (never below 10)
 * @returns the lines, without trailing spaces
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly (Cell | string)[])[],
  color: boolean,
  maxWidth?: number,
): string[] {
  let cells = rows.map((row) =>
    row.map((cell): Cell => (typeof cell === 'string' ? { text: cell } : cell)),
  );
  if (maxWidth !== undefined && headers.length > 0) {
    const last = headers.length - 1;
    const before = headers
      .slice(0, last)
      .map((header, column) =>
        Math.max(header.length, ...cells.map((row) => row[column]?.text.length ?? 0)),
      )
      .reduce((sum, width) => sum + width + 2, 0);
    const room = Math.max(10, maxWidth - before);
    cells = cells.map((row) =>
      row.map((cell, column) =>
        column === last ? { ...cell, text: truncate(cell.text, room) } : cell,
      ),
    );
  }
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => row[column]?.text.length ?? 0)),
  );
  const render = (row: readonly Cell[]): string =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        const last = column === row.length - 1;
        const padded = cell.right
          ? cell.text.padStart(width)
          : last
            ? cell.text
            : cell.text.padEnd(width);
        return paint(padded, cell.style, color);
      })
      .join('  ')
      .trimEnd();
  const head = render(headers.map((text): Cell => ({ text, style: 'bold' })));
  return [head, ...cells.map(render)];
}

/**
 * An ISO time as `YYYY-MM-DD HH:MM:SS` in local time; `-` when absent.
 *
 * @param iso - an ISO 8601 time
 */
export function formatTime(iso: string | undefined): string {
  if (iso === undefined) return '-';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
  );
}

/**
 * A fraction 0..1 as a whole percentage, rounded down (so 100% means done).
 *
 * @param fraction - progress
 */
export function formatPercent(fraction: number): string {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  return `${Math.floor(clamped * 100 + 1e-9)}%`;
}

/**
 * `text` cut to `width` characters, ending with `…` when cut.
 *
 * @param text - the text
 * @param width - the most characters
 */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

/**
 * `value` as JSON: indented (for a document) or on one line (for a stream of lines).
 *
 * @param value - JSON data
 * @param pretty - indent by two spaces
 */
export function toJsonText(value: unknown, pretty: boolean): string {
  return `${JSON.stringify(value, null, pretty ? 2 : undefined)}\n`;
}

/**
 * One sentence on how a plan ended, e.g. `plan 0197… (Deploy) is stopped with result success`.
 *
 * @param plan - the plan
 */
export function describeOutcome(plan: {
  readonly id: string;
  readonly label: string;
  readonly state: string;
  readonly result: string;
}): string {
  return `plan ${plan.id} (${plan.label}) is ${plan.state} with result ${plan.result}`;
}
