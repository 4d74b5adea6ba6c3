/**
 * Progress bars for plans: a pure {@link progressBar}, and {@link renderPlanProgress}, the lines
 * `flowline watch` draws (the plan's overall bar, then one bar per run step with its state). The
 * examples reuse the renderer for their live output.
 */
import type { ExecutionPlan, StepRecord } from '../plan/records.js';
import type { Style } from './output.js';
import { formatPercent, paint, styleOf, truncate } from './output.js';

const FULL = '█';
const EMPTY = '░';

/**
 * A bar of `width` characters, filled in proportion to `fraction` (clamped to 0..1; rounded down,
 * so the bar is full only when the work is done).
 *
 * @param fraction - how far, 0..1
 * @param width - the bar's length in characters
 * @example progressBar(0.5, 10) // '█████░░░░░'
 */
export function progressBar(fraction: number, width: number): string {
  const cells = Math.max(0, Math.floor(width));
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.floor(clamped * cells + 1e-9);
  return FULL.repeat(filled) + EMPTY.repeat(cells - filled);
}

/** Options of {@link renderPlanProgress}. */
export interface PlanProgressOptions {
  /** Length of each bar, in characters. */
  readonly width: number;
  /** Colour states and bars with ANSI codes. */
  readonly color: boolean;
  /**
   * The most characters a line may take (the terminal's width): names and error messages are cut
   * to fit. @default no limit (error messages are cut at 60 characters)
   */
  readonly columns?: number;
  /**
   * The most run steps to list; the others are summed up on one line. Running, suspended and
   * failed steps are listed first. @default every run step
   */
  readonly maxSteps?: number;
}

/** Run steps shown before the others when they do not all fit. */
const ACTIVE = new Set(['running', 'suspended', 'error', 'skipping']);

/**
 * The progress of a plan as lines of text: first the plan (label, state and result, overall bar,
 * percentage), then one line per run step (`#id class`, state, bar, percentage, and the error
 * message of a failed step). Columns are aligned; colour codes never shift them.
 *
 * @param plan - the plan
 * @param options - bar width, colours, and optionally the line width and how many steps to list
 * @returns the lines, without line breaks
 */
export function renderPlanProgress(plan: ExecutionPlan, options: PlanProgressOptions): string[] {
  const { color } = options;
  const barWidth = Math.max(1, Math.floor(options.width));
  const runSteps = plan.steps.filter((step) => step.phase === 'run');
  const shown = pickSteps(runSteps, options.maxSteps);
  const hidden = runSteps.length - shown.length;

  const planStatus = plan.result === 'pending' ? plan.state : `${plan.state}/${plan.result}`;
  const rows: { name: string; status: string; style: Style | undefined; progress: number }[] = [
    {
      name: plan.label,
      status: planStatus,
      style: plan.state === 'stopped' ? styleOf(plan.result) : styleOf(plan.state),
      progress: plan.progress,
    },
    ...shown.map((step) => ({
      name: `  #${step.id} ${step.className}`,
      status: step.state,
      style: styleOf(step.state),
      progress: isDone(step) ? 1 : step.progress,
    })),
  ];

  const statusWidth = Math.max(...rows.map((row) => row.status.length));
  // name  status  bar  100%
  const fixed = 2 + statusWidth + 2 + barWidth + 1 + 4;
  let nameWidth = Math.max(...rows.map((row) => row.name.length));
  if (options.columns !== undefined) {
    nameWidth = Math.max(4, Math.min(nameWidth, options.columns - fixed));
  }

  const lines = rows.map((row, index) => {
    const name = truncate(row.name, nameWidth).padEnd(nameWidth);
    const status = row.status.padEnd(statusWidth);
    const bar = progressBar(row.progress, barWidth);
    const percent = formatPercent(row.progress).padStart(4);
    let line =
      `${index === 0 ? paint(name, 'bold', color) : name}  ${paint(status, row.style, color)}  ` +
      `${paint(bar, row.style, color)} ${percent}`;
    const step = index === 0 ? undefined : shown[index - 1];
    if (step?.state === 'error' && step.error !== undefined) {
      const room = options.columns === undefined ? 60 : options.columns - nameWidth - fixed - 2;
      const message = truncate(step.error.message.replace(/\s+/g, ' '), room);
      if (message !== '') line += `  ${paint(message, 'red', color)}`;
    }
    return line;
  });
  if (hidden > 0) {
    const rest = runSteps.filter((step) => !shown.includes(step));
    const done = rest.filter(isDone).length;
    const summary = `  … ${hidden} more run steps (${done} done, ${hidden - done} not done)`;
    lines.push(paint(truncate(summary, options.columns ?? summary.length), 'dim', color));
  }
  return lines;
}

function isDone(step: StepRecord): boolean {
  return step.state === 'success' || step.state === 'skipped';
}

/** At most `max` steps, active ones first, listed in id order. */
function pickSteps(steps: readonly StepRecord[], max: number | undefined): StepRecord[] {
  if (max === undefined || steps.length <= max) return [...steps];
  // One line goes to the summary of the steps left out.
  const room = Math.max(0, max - 1);
  const active = steps.filter((step) => ACTIVE.has(step.state));
  const others = steps.filter((step) => !ACTIVE.has(step.state));
  const chosen = new Set([...active, ...others].slice(0, room));
  return steps.filter((step) => chosen.has(step));
}
