/**
 * `flowline show <id>`: one plan, with its steps and history.
 */
import type { ExecutionPlan, StepRecord } from '../../plan/records.js';
import type { Command, CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import type { Cell } from '../output.js';
import { formatPercent, formatTable, formatTime, paint, styleOf, toJsonText } from '../output.js';
import { progressBar } from '../progress.js';
import { readPlan, storeSpecFrom, withStore } from '../store-spec.js';

/** `flowline show`. */
export const showCommand: Command = {
  name: 'show',
  summary: 'show one execution plan: its steps and history',
  help: `Usage: flowline show <id> [options]

Show an execution plan: its summary, its steps (id, phase, action class, state,
progress, error message) and its history.

Options:
  --store <spec>     sqlite:<path> or a postgres:// URL (default: $FLOWLINE_STORE)
  --schema <name>    PostgreSQL schema of the store (default: flowline)
  --json             print the plan as JSON (the ExecutionPlan object)
  --debug            print stack traces of errors
  -h, --help         show this help

Exit codes: 0 shown, 2 usage error, 3 store error, 4 no such plan.

Example:
  flowline show 0197c5d2-7a1e-7c3b-9a8e-2f4b1c0d9e8f --store sqlite:./flowline.db
`,
  options: {},
  positionals: ['id'],
  run: runShow,
};

async function runShow(ctx: CommandContext): Promise<number> {
  const id = ctx.positionals[0] ?? '';
  const spec = storeSpecFrom(ctx.values, ctx.io.env, ctx.io.cwd, ctx.command);
  const plan = await withStore(spec, (adapter) => readPlan(adapter, id));
  if (ctx.json) {
    ctx.io.stdout.write(toJsonText(plan, true));
    return ExitCode.OK;
  }
  const columns = ctx.io.stdout.isTTY === true ? ctx.io.stdout.columns : undefined;
  ctx.io.stdout.write(`${describePlan(plan, ctx.color, columns).join('\n')}\n`);
  return ExitCode.OK;
}

/**
 * A plan as text: summary, steps table, history table.
 *
 * @param plan - the plan
 * @param color - colour states
 * @param columns - the terminal's width (error messages are cut to fit), if any
 */
export function describePlan(
  plan: ExecutionPlan,
  color: boolean,
  columns: number | undefined,
): string[] {
  const field = (name: string, value: string): string =>
    `${paint(name.padEnd(9), 'bold', color)} ${value}`;
  const lines = [
    field('Plan', plan.id),
    field('Label', plan.label),
    field('State', paint(plan.state, styleOf(plan.state), color)),
    field('Result', paint(plan.result, styleOf(plan.result), color)),
    field(
      'Progress',
      `${formatPercent(plan.progress).padStart(4)} ${progressBar(plan.progress, 20)}`,
    ),
    field('Started', formatTime(plan.startedAt)),
    field('Ended', formatTime(plan.endedAt)),
  ];
  if (plan.parent !== undefined) {
    lines.push(field('Parent', `plan ${plan.parent.planId}, step ${plan.parent.stepId}`));
  }
  if (plan.invalid !== undefined) {
    lines.push(
      field('Invalid', paint(`${plan.invalid.message} (${plan.invalid.code})`, 'yellow', color)),
    );
  }

  const steps = formatTable(
    ['ID', 'PHASE', 'ACTION', 'STATE', 'PROGRESS', 'ERROR'],
    plan.steps.map((step) => stepRow(step)),
    color,
    columns,
  );
  lines.push('', paint('Steps', 'bold', color), ...steps);

  if (plan.history.length > 0) {
    const history = formatTable(
      ['TIME', 'EVENT', 'WORLD'],
      plan.history.map((entry) => [formatTime(entry.at), entry.event, entry.worldId]),
      color,
    );
    lines.push('', paint('History', 'bold', color), ...history);
  }
  return lines;
}

function stepRow(step: StepRecord): Cell[] {
  const done = step.state === 'success' || step.state === 'skipped';
  const error =
    step.error === undefined
      ? ''
      : `${step.error.message.replace(/\s+/g, ' ').trim()}${step.error.code === undefined ? '' : ` (${step.error.code})`}`;
  return [
    { text: String(step.id), right: true },
    { text: step.phase },
    { text: `${step.className} #${step.actionId}` },
    { text: step.state, style: styleOf(step.state) },
    { text: formatPercent(done ? 1 : step.progress), right: true },
    { text: error, style: error === '' ? undefined : 'red' },
  ];
}
