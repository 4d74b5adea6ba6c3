/**
 * `flowline watch <id>`: follows a plan by polling the store until it is paused or stopped, so it
 * works whichever process executes the plan. On a terminal the progress bars are redrawn in place;
 * elsewhere each change is one line; with `--json` each change is one JSON object per line.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutionPlan, StepRecord } from '../../plan/records.js';
import type { PlanResult, PlanState, StepState } from '../../plan/states.js';
import { integerOption } from '../args.js';
import type { Command, CommandContext } from '../context.js';
import { ExitCode, exitCodeOf } from '../exit-codes.js';
import {
  describeOutcome,
  formatPercent,
  formatTime,
  paint,
  styleOf,
  toJsonText,
} from '../output.js';
import { renderPlanProgress } from '../progress.js';
import { openStore, readPlan, storeSpecFrom } from '../store-spec.js';

/** One line of `flowline watch --json`: the plan and its run steps after a change. */
export interface WatchFrame {
  /** ISO time the change was seen. */
  readonly at: string;
  readonly id: string;
  readonly label: string;
  readonly state: PlanState;
  readonly result: PlanResult;
  /** 0..1. */
  readonly progress: number;
  readonly steps: readonly {
    readonly id: number;
    readonly actionId: number;
    readonly className: string;
    readonly state: StepState;
    /** 0..1. */
    readonly progress: number;
    readonly error?: { readonly message: string; readonly code?: string };
  }[];
}

/** `flowline watch`. */
export const watchCommand: Command = {
  name: 'watch',
  summary: 'follow a plan live until it is paused or stopped',
  help: `Usage: flowline watch <id> [options]

Follow an execution plan until it is paused or stopped: the plan's overall
progress bar and one bar per run step with its state. The store is polled, so
this works whichever process executes the plan. On a terminal the bars are
redrawn in place; otherwise each change is printed as a line.

Options:
  --interval <ms>    how often to read the store, in milliseconds (default 250)
  --store <spec>     sqlite:<path> or a postgres:// URL (default: $FLOWLINE_STORE)
  --schema <name>    PostgreSQL schema of the store (default: flowline)
  --json             print one JSON object per line at every change
  --debug            print stack traces of errors
  -h, --help         show this help

Exit codes: 0 the plan stopped with result success or warning; 1 it is paused,
or stopped with result error or cancelled; 2 usage error; 3 store error; 4 no
such plan; 130 interrupted (Ctrl+C) before the plan was paused or stopped.

Example:
  flowline watch 0197c5d2-7a1e-7c3b-9a8e-2f4b1c0d9e8f --store sqlite:./flowline.db
`,
  options: { interval: { type: 'string' } },
  positionals: ['id'],
  run: runWatch,
};

/** Shows the frames of one watch. */
interface View {
  show(plan: ExecutionPlan, frame: WatchFrame): void;
  /** Called once at the end, whatever happened (restores the terminal). */
  close(): void;
}

async function runWatch(ctx: CommandContext): Promise<number> {
  const id = ctx.positionals[0] ?? '';
  const interval = integerOption(
    ctx.values,
    'interval',
    { min: 10, max: 3_600_000, fallback: 250 },
    ctx.command,
  );
  const spec = storeSpecFrom(ctx.values, ctx.io.env, ctx.io.cwd, ctx.command);
  const adapter = await openStore(spec);
  const stop = new AbortController();
  const removeListener = ctx.io.onSignal(() => {
    if (stop.signal.aborted) ctx.io.exit(ExitCode.INTERRUPTED);
    stop.abort();
  });
  const view = ctx.json
    ? jsonView(ctx)
    : ctx.io.stdout.isTTY === true
      ? terminalView(ctx)
      : lineView(ctx);
  try {
    let last: string | undefined;
    let state = '';
    for (;;) {
      const plan = await readPlan(adapter, id);
      state = plan.state;
      const frame = frameOf(plan);
      const key = JSON.stringify({ ...frame, at: '' });
      if (key !== last) {
        view.show(plan, frame);
        last = key;
      }
      if (plan.state === 'paused' || plan.state === 'stopped') {
        view.close();
        const code = exitCodeOf(plan);
        if (code !== ExitCode.OK) ctx.io.stderr.write(`flowline: ${describeOutcome(plan)}\n`);
        return code;
      }
      if (stop.signal.aborted) break;
      try {
        await sleep(interval, undefined, { signal: stop.signal });
      } catch {
        break; // interrupted
      }
    }
    view.close();
    ctx.io.stderr.write(`flowline: stopped watching plan ${id}, which is ${state}\n`);
    return ExitCode.INTERRUPTED;
  } finally {
    view.close();
    removeListener();
    await adapter.close().catch(() => undefined);
  }
}

/**
 * What `--json` prints for a plan: its state and its run steps.
 *
 * @param plan - the plan
 * @param at - when it was read
 */
export function frameOf(plan: ExecutionPlan, at = new Date()): WatchFrame {
  return {
    at: at.toISOString(),
    id: plan.id,
    label: plan.label,
    state: plan.state,
    result: plan.result,
    progress: plan.progress,
    steps: plan.steps
      .filter((step) => step.phase === 'run')
      .map((step) => ({
        id: step.id,
        actionId: step.actionId,
        className: step.className,
        state: step.state,
        progress: stepProgress(step),
        ...(step.error === undefined
          ? {}
          : {
              error: {
                message: step.error.message,
                ...(step.error.code === undefined ? {} : { code: step.error.code }),
              },
            }),
      })),
  };
}

function stepProgress(step: StepRecord): number {
  return step.state === 'success' || step.state === 'skipped' ? 1 : step.progress;
}

function jsonView(ctx: CommandContext): View {
  return {
    show: (_plan, frame) => ctx.io.stdout.write(toJsonText(frame, false)),
    close: () => undefined,
  };
}

/** Redraws the bars in place with ANSI codes; hides the cursor meanwhile. */
function terminalView(ctx: CommandContext): View {
  const out = ctx.io.stdout;
  let drawn = 0;
  let closed = false;
  return {
    show(plan) {
      // A terminal that reports no size (0) counts as 80×24.
      const columns = Math.max(40, (out.columns || 80) - 1);
      const rows = Math.max(3, (out.rows || 24) - 2);
      const lines = renderPlanProgress(plan, {
        width: Math.max(10, Math.min(40, columns - 50)),
        color: ctx.color,
        columns,
        maxSteps: rows - 1,
      });
      let text = drawn === 0 ? '\x1b[?25l' : `\x1b[${drawn}F`;
      for (const line of lines) text += `\x1b[2K${line}\n`;
      out.write(`${text}\x1b[J`);
      drawn = lines.length;
    },
    close() {
      if (closed) return;
      closed = true;
      out.write('\x1b[?25h');
    },
  };
}

/** Prints one line per plan or step change (for logs and pipes). */
function lineView(ctx: CommandContext): View {
  const seen = new Map<string, string>();
  const color = ctx.color;
  return {
    show(plan, frame) {
      const time = formatTime(frame.at).slice(11);
      const first = seen.size === 0;
      const changes: string[] = [];
      const note = (key: string, text: string): void => {
        if (seen.get(key) === text) return;
        seen.set(key, text);
        changes.push(`${time} ${text}`);
      };
      const planStatus = plan.result === 'pending' ? plan.state : `${plan.state}/${plan.result}`;
      const planStyle = styleOf(plan.state === 'stopped' ? plan.result : plan.state);
      const planLine = `plan ${plan.label} ${paint(planStatus, planStyle, color)} ${formatPercent(plan.progress)}`;
      // The plan first when it appears, then after the steps whose change moved it.
      if (first) note('plan', planLine);
      for (const step of frame.steps) {
        const error =
          step.error === undefined ? '' : `: ${step.error.message.replace(/\s+/g, ' ')}`;
        const state = paint(step.state, styleOf(step.state), color);
        note(
          `step ${step.id}`,
          `  #${step.id} ${step.className} ${state} ${formatPercent(step.progress)}${error}`,
        );
      }
      note('plan', planLine);
      if (changes.length > 0) ctx.io.stdout.write(`${changes.join('\n')}\n`);
    },
    close: () => undefined,
  };
}
