/**
 * `flowline resume|rollback|cancel|halt <id>`: operations that execute a plan's steps (or their `cancel`),
 * so they start a world on the store with the plan's action classes (`--actions`).
 */
import { ErrorCode, FlowlineError } from '../../errors.js';
import type { ExecutionPlan } from '../../plan/records.js';
import type { World } from '../../world/world.js';
import { commandWorld } from '../command-world.js';
import { loadActionsModule } from '../actions-module.js';
import { flagOption, stringOption } from '../args.js';
import type { Command, CommandContext } from '../context.js';
import { CliError, planNotFound, usageError } from '../errors.js';
import { ExitCode, exitCodeOf } from '../exit-codes.js';
import { describeOutcome, formatPercent, paint, styleOf, toJsonText } from '../output.js';
import { openStore, readPlan, storeSpecFrom } from '../store-spec.js';

/** The operations. */
type Operation = 'resume' | 'rollback' | 'cancel' | 'halt';

const COMMON_HELP = `  --actions <module> a JavaScript or TypeScript module exporting the plan's Action
                     classes (named or default exports; a class, or an array or
                     object of classes). Required: see below.
  --store <spec>     sqlite:<path> or a postgres:// URL (default: $FLOWLINE_STORE)
  --schema <name>    PostgreSQL schema of the store (default: flowline)
  --json             print the plan afterwards as JSON (the ExecutionPlan object)
  --debug            print stack traces of errors and the engine's debug log
  -h, --help         show this help

Why --actions: the store holds each action's class name, input and output, not
its code. To run steps (or ask actions to cancel their work), this command
starts a world on the store in this process, and that world must know the
classes. It does this command's work only: it does not take over plans other
worlds left running, nor start delayed or chained plans that come due (your
application's worlds do that).`;

const HELP: Readonly<Record<Operation, string>> = {
  resume: `Usage: flowline resume <id> --actions <module> [options]

Resume a paused execution plan: failed steps run again, in this process. Waits
until the plan is paused or stopped again and prints how it ended. Ctrl+C
pauses the plan (running steps finish first) and prints how it stands; a
second Ctrl+C quits at once, leaving the plan running for your application's
worlds to recover.

A step that suspends keeps the command waiting for its event (a line on stderr
says so). Events the step plans itself (planEvent, polls, timeouts) reach it
here; an event sent from another process is queued in the store and taken when
the plan is next executed: press Ctrl+C, and resume the plan once it is sent.

Options:
${COMMON_HELP}

Exit codes: 0 the plan stopped with result success or warning; 1 it is paused
again, or stopped with result error or cancelled; 2 usage error; 3 store error;
4 no such plan; 5 the engine refused (the plan is not paused, or another world
executes it); 130 interrupted.

Example:
  flowline resume 0197c5d2-7a1e-7c3b-9a8e-2f4b1c0d9e8f --actions ./dist/actions.js \\
    --store sqlite:./flowline.db
`,
  rollback: `Usage: flowline rollback <id> --actions <module> [options]

Roll back an execution plan that is paused, or stopped with result error (a
saga's compensation): the compensate() of every action whose run step
succeeded runs in this process, latest completed first, each as a step of its
own (retries, timeout, log). Suspended steps and steps that never ran are
cancelled first. Waits until the plan is stopped with result cancelled (rolled
back) or paused again (a compensation failed: run rollback or resume again to
retry it). Ctrl+C pauses the rollback (the running compensation finishes
first); a second Ctrl+C quits at once, leaving it for your application's worlds
to recover.

Options:
${COMMON_HELP}

Exit codes: 0 the plan is rolled back (stopped with result cancelled); 1 it is
paused again (a compensation failed); 2 usage error; 3 store error; 4 no such
plan; 5 the engine refused (the plan is running, planned, scheduled, or stopped
with result success, warning or cancelled, or another world executes it); 130
interrupted.

Example:
  flowline rollback 0197c5d2-7a1e-7c3b-9a8e-2f4b1c0d9e8f --actions ./dist/actions.js \\
    --store sqlite:./flowline.db
`,
  cancel: `Usage: flowline cancel <id> --actions <module> [--force] [options]

Cancel an execution plan that is planned, paused or scheduled (delayed or
chained): actions that define cancel() and whose step is suspended are asked to
stop their work, every step that has not run is cancelled, and the plan ends
stopped (result cancelled when a step was cancelled). A plan that another live
world executes must be cancelled in that world.

Options:
  --force            passed on to the actions' cancel(force) (stop harder), and
                     aborts this.signal of steps running in this process
${COMMON_HELP}

Exit codes: 0 cancelled; 2 usage error; 3 store error; 4 no such plan; 5 the
engine refused (the plan is stopped, or another world executes it).
`,
  halt: `Usage: flowline halt <id> --actions <module> [options]

Halt an execution plan that is planned or paused: nothing more runs, steps that
have not run are cancelled, and the plan ends stopped. A plan that another live
world executes must be halted in that world.

Options:
${COMMON_HELP}

Exit codes: 0 halted; 2 usage error; 3 store error; 4 no such plan; 5 the engine
refused (the plan is stopped, or another world executes it).
`,
};

const SUMMARY: Readonly<Record<Operation, string>> = {
  resume: 'resume a paused plan and wait until it is paused or stopped again',
  rollback: 'roll back a paused or failed plan: compensate what succeeded, latest first',
  cancel: 'cancel a plan (cancellable actions are asked to stop)',
  halt: 'halt a plan: nothing more runs',
};

function operationCommand(name: Operation): Command {
  return {
    name,
    summary: SUMMARY[name],
    help: HELP[name],
    options: {
      actions: { type: 'string' },
      ...(name === 'cancel' ? { force: { type: 'boolean' } } : {}),
    },
    positionals: ['id'],
    run: (ctx) => runOperation(ctx, name),
  };
}

/** `flowline resume`. */
export const resumeCommand: Command = operationCommand('resume');
/** `flowline rollback`. */
export const rollbackCommand: Command = operationCommand('rollback');
/** `flowline cancel`. */
export const cancelCommand: Command = operationCommand('cancel');
/** `flowline halt`. */
export const haltCommand: Command = operationCommand('halt');

async function runOperation(ctx: CommandContext, operation: Operation): Promise<number> {
  const id = ctx.positionals[0] ?? '';
  const actionsPath = stringOption(ctx.values, 'actions');
  if (actionsPath === undefined) {
    throw usageError(
      `${operation} needs the plan's action classes, because it ` +
        `${operation === 'resume' || operation === 'rollback' ? "runs the plan's steps" : "stops the plan's actions"} in this process: ` +
        'pass --actions <module> naming a module that exports them',
      operation,
    );
  }
  const spec = storeSpecFrom(ctx.values, ctx.io.env, ctx.io.cwd, operation);
  const actions = await loadActionsModule(actionsPath, ctx.io.cwd, operation);
  const adapter = await openStore(spec);
  let world: World | undefined;
  try {
    // An unknown id fails here, before a world starts.
    const before = await readPlan(adapter, id);
    world = commandWorld(adapter, actions, ctx.logger);
    await world.start();
    const started = world;
    const { plan, interrupted } = await explain(() => perform(ctx, started, operation, before));
    if (ctx.json) {
      ctx.io.stdout.write(toJsonText(plan, true));
    } else {
      ctx.io.stdout.write(`${outcomeLines(plan, ctx.color).join('\n')}\n`);
    }
    if (interrupted) return ExitCode.INTERRUPTED;
    if (operation === 'rollback') return rolledBackCode(ctx, plan);
    if (operation !== 'resume') return ExitCode.OK;
    const code = exitCodeOf(plan);
    if (code !== ExitCode.OK) ctx.io.stderr.write(`flowline: ${describeOutcome(plan)}\n`);
    return code;
  } finally {
    await world?.close().catch((error: unknown) => {
      ctx.logger.error('closing the world failed', { error });
    });
    await adapter.close().catch(() => undefined);
  }
}

/** 0 when the plan is rolled back (stopped, result cancelled), else 1 with a line on stderr. */
function rolledBackCode(ctx: CommandContext, plan: ExecutionPlan): number {
  if (plan.state === 'stopped' && plan.result === 'cancelled') return ExitCode.OK;
  ctx.io.stderr.write(
    `flowline: plan ${plan.id} is ${plan.state} with result ${plan.result}: a compensation ` +
      'failed; fix its cause and run rollback (or resume) again\n',
  );
  return ExitCode.PLAN_NOT_OK;
}

/**
 * Runs the operation. Resume (and rollback) says on stderr when a step suspends (the command then waits for its
 * event), pauses the plan on Ctrl+C, and on a second Ctrl+C quits at once, saying in what state it
 * leaves the plan.
 */
async function perform(
  ctx: CommandContext,
  world: World,
  operation: Operation,
  before: ExecutionPlan,
): Promise<{ plan: ExecutionPlan; interrupted: boolean }> {
  const id = before.id;
  // Rollback waits for the plan like resume does.
  const waits = operation === 'resume' || operation === 'rollback';
  let interrupted = false;
  const removeListener = ctx.io.onSignal(() => {
    if (interrupted) {
      if (waits) {
        ctx.io.stderr.write(
          `flowline: quitting now: plan ${id} is left running; your application's worlds ` +
            'recover it once they find this command gone, as after a crash\n',
        );
      }
      ctx.io.exit(ExitCode.INTERRUPTED);
      return;
    }
    interrupted = true;
    if (!waits) return; // cancel and halt finish promptly
    ctx.io.stderr.write(
      `flowline: pausing plan ${id}: running steps finish first (Ctrl+C again to quit now)\n`,
    );
    world.pause(id).catch((error: unknown) => {
      ctx.logger.warn(`could not pause plan ${id}`, { error });
    });
  });
  const stopNoting = operation === 'resume' ? noteSuspendedSteps(ctx, world, before) : undefined;
  try {
    if (operation === 'resume') {
      const plan = await world.resume(id);
      return { plan, interrupted };
    }
    if (operation === 'rollback') {
      const plan = await world.rollback(id);
      return { plan, interrupted };
    }
    if (operation === 'cancel') {
      await world.cancel(id, { force: flagOption(ctx.values, 'force') });
    } else {
      await world.halt(id);
    }
    const plan = await world.executionPlan(id);
    if (plan === undefined) throw planNotFound(id);
    // Cancel and halt ran to their end anyway: an interruption changes nothing.
    return { plan, interrupted: false };
  } finally {
    stopNoting?.();
    removeListener();
  }
}

/**
 * Writes a line on stderr the first time each step of the plan suspends: the command keeps waiting
 * until the plan is paused or stopped, which for a step waiting for an event may take long.
 *
 * @returns a function that stops listening
 */
function noteSuspendedSteps(ctx: CommandContext, world: World, plan: ExecutionPlan): () => void {
  const noted = new Set<number>();
  return world.on('step:state', (event) => {
    if (event.planId !== plan.id || event.state !== 'suspended' || noted.has(event.stepId)) return;
    noted.add(event.stepId);
    const className = plan.steps[event.stepId - 1]?.className ?? 'action';
    ctx.io.stderr.write(
      `flowline: step ${event.stepId} (${event.phase} of ${className} #${event.actionId}) is ` +
        'suspended, waiting for an event; resume waits until the plan is paused or stopped ' +
        '(Ctrl+C pauses it)\n',
    );
  });
}

/** Adds what to do to the engine's message when the actions module lacks a class. */
async function explain<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof FlowlineError && error.code === ErrorCode.ACTION_NOT_REGISTERED) {
      throw new CliError(
        ExitCode.REFUSED,
        error.code,
        `${error.message}: export that class from the --actions module`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * How a plan stands after an operation: one line, then the failed steps with their errors.
 *
 * @param plan - the plan
 * @param color - colour states
 */
export function outcomeLines(plan: ExecutionPlan, color: boolean): string[] {
  const status = `${paint(plan.state, styleOf(plan.state), color)} with result ${paint(plan.result, styleOf(plan.result), color)}`;
  const lines = [
    `Plan ${plan.id} (${plan.label}) is ${status}, ${formatPercent(plan.progress)} done.`,
  ];
  for (const step of plan.steps) {
    if (step.state !== 'error' || step.error === undefined) continue;
    const code = step.error.code === undefined ? '' : ` (${step.error.code})`;
    lines.push(
      `  step ${step.id} (${step.phase} of ${step.className} #${step.actionId}) failed: ` +
        paint(`${step.error.message.replace(/\s+/g, ' ').trim()}${code}`, 'red', color),
    );
  }
  return lines;
}
