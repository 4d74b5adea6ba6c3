/**
 * `flowline flows run <file|name>`: saves a flow file into the store (or takes a stored flow by
 * name), runs it in a world of this process, shows each stage live and prints how the run ended.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCode, FlowlineError } from '../../errors.js';
import { Flows, parseFlow } from '../../flows/index.js';
import type { FlowDefinition } from '../../flows/index.js';
import type { ExecutionPlan, JsonValue } from '../../plan/records.js';
import type { World } from '../../world/world.js';
import { commandWorld } from '../command-world.js';
import type { CommandContext } from '../context.js';
import { ExitCode, exitCodeOf } from '../exit-codes.js';
import { followStages, formatMs, formatStageLine } from '../flow-progress.js';
import type { FlowFile } from '../flow-source.js';
import {
  flowActionsOption,
  inputOption,
  readFlowFile,
  violationsOf,
  writeViolations,
} from '../flow-source.js';
import { describeOutcome, paint, styleOf, toJsonText } from '../output.js';
import { openStore, storeSpecFrom } from '../store-spec.js';

/** What `flowline flows run --json` prints. */
export interface FlowRunResult {
  readonly run: {
    readonly id: string;
    readonly flow: string;
    readonly version: number;
    readonly state: string;
    readonly result: string;
    readonly startedAt?: string;
    readonly endedAt?: string;
    /** Milliseconds from start to end (to now when it is paused). */
    readonly durationMs: number;
  };
  /** The output of each final stage (the stages no stage follows), by stage name. */
  readonly outputs: Readonly<Record<string, JsonValue | null>>;
  /** The failed stages' errors. */
  readonly errors: readonly {
    readonly stage: string;
    readonly message: string;
    readonly code?: string;
  }[];
}

/**
 * Runs `flowline flows run`.
 *
 * @param ctx - the command's context
 */
export async function runFlowCommand(ctx: CommandContext): Promise<number> {
  const target = ctx.positionals[0] ?? '';
  // Everything the command line says is checked before the store is touched: nothing is written
  // for a bad --input, a bad actions module or an invalid flow.
  const input = inputOption(ctx.values, ctx.command);
  const spec = storeSpecFrom(ctx.values, ctx.io.env, ctx.io.cwd, ctx.command);
  const actions = await flowActionsOption(ctx.values, ctx.io.cwd, ctx.command);
  const file = isFile(target, ctx.io.cwd)
    ? readFlowFile(target, ctx.io.cwd, ctx.command)
    : undefined;
  if (file === undefined && /\.(ya?ml|json)$/i.test(target)) {
    // Looks like a file that is not there: say so rather than look for a flow of that name.
    readFlowFile(target, ctx.io.cwd, ctx.command);
  }
  if (file !== undefined) {
    try {
      parseFlow(file.text, { fileName: file.name, actions: actions.stages });
    } catch (error) {
      const violations = violationsOf(error);
      if (violations === undefined) throw error;
      writeViolations(ctx.io.stderr, file.name, violations);
      return ExitCode.USAGE;
    }
  }
  const adapter = await openStore(spec);
  let world: World | undefined;
  try {
    world = commandWorld(adapter, actions.others, ctx.logger);
    const flows = new Flows({ world, actions: actions.stages });
    await world.start();
    let chosen: ChosenFlow;
    try {
      chosen = await chooseFlow(ctx, flows, target, file);
    } catch (error) {
      // flows.save validates again (with the world's own view of the stage actions).
      const violations = file === undefined ? undefined : violationsOf(error);
      if (file === undefined || violations === undefined) throw error;
      writeViolations(ctx.io.stderr, file.name, violations);
      return ExitCode.USAGE;
    }
    return await runFlow(ctx, world, flows, chosen, input);
  } finally {
    await world?.close().catch((error: unknown) => {
      ctx.logger.error('closing the world failed', { error });
    });
    await adapter.close().catch(() => undefined);
  }
}

function isFile(path: string, cwd: string): boolean {
  try {
    return statSync(resolve(cwd, path)).isFile();
  } catch {
    return false;
  }
}

interface ChosenFlow {
  readonly name: string;
  readonly version: number;
  readonly definition: FlowDefinition;
}

/** Saves the file's flow, or finds the stored flow named `target`. */
async function chooseFlow(
  ctx: CommandContext,
  flows: Flows,
  target: string,
  file: FlowFile | undefined,
): Promise<ChosenFlow> {
  if (file !== undefined) {
    const saved = await flows.save(file.text, { fileName: file.name });
    if (!ctx.json) {
      ctx.io.stdout.write(
        `Saved flow ${JSON.stringify(saved.name)} version ${saved.version} (${saved.stage}) from ${file.name}\n`,
      );
    }
    return { name: saved.name, version: saved.version, definition: saved.definition };
  }
  const stored = await flows.get(target);
  if (stored === undefined) {
    throw new FlowlineError(
      ErrorCode.FLOW_NOT_FOUND,
      `no flow named ${JSON.stringify(target)} in the store, and no file of that name ` +
        '(pass a flow file to save and run it)',
    );
  }
  return { name: stored.name, version: stored.version, definition: stored.definition };
}

async function runFlow(
  ctx: CommandContext,
  world: World,
  flows: Flows,
  flow: ChosenFlow,
  input: JsonValue,
): Promise<number> {
  let runId: string | undefined;
  const progress = ctx.json
    ? undefined
    : followStages(
        world,
        () => runId,
        (line) => ctx.io.stdout.write(`${formatStageLine(line, ctx.color)}\n`),
      );
  const signals = { interrupted: false };
  const removeListener = ctx.io.onSignal(() => {
    if (signals.interrupted || runId === undefined) {
      ctx.io.stderr.write(
        `flowline: quitting now${runId === undefined ? '' : `: run ${runId} is left running; your application's worlds recover it`}\n`,
      );
      ctx.io.exit(ExitCode.INTERRUPTED);
      return;
    }
    signals.interrupted = true;
    ctx.io.stderr.write(
      `flowline: pausing run ${runId}: running stages finish first (Ctrl+C again to quit now)\n`,
    );
    world.pause(runId).catch((error: unknown) => {
      ctx.logger.warn(`could not pause run ${String(runId)}`, { error });
    });
  });
  const began = Date.now();
  let plan: ExecutionPlan;
  try {
    const triggered = flows.trigger(flow.name, input);
    runId = triggered.id;
    if (!ctx.json) {
      ctx.io.stdout.write(
        `Run ${triggered.id} of flow ${JSON.stringify(flow.name)} version ${flow.version}\n`,
      );
    }
    plan = await triggered.finished;
    await progress?.flushed();
  } finally {
    progress?.stop();
    removeListener();
  }
  const result = await summarize(flows, flow, plan, Date.now() - began);
  if (ctx.json) ctx.io.stdout.write(toJsonText(result, true));
  else ctx.io.stdout.write(resultLines(result, ctx.color).join('\n') + '\n');
  if (signals.interrupted) return ExitCode.INTERRUPTED;
  const code = exitCodeOf(plan);
  if (code !== ExitCode.OK) ctx.io.stderr.write(`flowline: ${describeOutcome(plan)}\n`);
  return code;
}

/** The run as `--json` prints it. */
async function summarize(
  flows: Flows,
  flow: ChosenFlow,
  plan: ExecutionPlan,
  elapsedMs: number,
): Promise<FlowRunResult> {
  const durationMs =
    plan.startedAt !== undefined && plan.endedAt !== undefined
      ? Date.parse(plan.endedAt) - Date.parse(plan.startedAt)
      : elapsedMs;
  const outputs: Record<string, JsonValue | null> = {};
  if (plan.state === 'stopped' && plan.result !== 'error' && plan.result !== 'cancelled') {
    for (const stage of flow.definition.stages) {
      if (stage.out.length > 0) continue;
      const value = await flows.result(plan.id, stage.name).catch(() => undefined);
      outputs[stage.name] = value ?? null;
    }
  }
  const errors: FlowRunResult['errors'][number][] = [];
  for (const step of plan.steps) {
    if (step.state !== 'error' || step.error === undefined) continue;
    const action = plan.actions.find((candidate) => candidate.id === step.actionId);
    const stage = (action?.input as { stage?: unknown } | undefined)?.stage;
    errors.push({
      stage: typeof stage === 'string' ? stage : `${step.className} #${step.actionId}`,
      message: step.error.message,
      ...(step.error.code === undefined ? {} : { code: step.error.code }),
    });
  }
  return {
    run: {
      id: plan.id,
      flow: flow.name,
      version: flow.version,
      state: plan.state,
      result: plan.result,
      ...(plan.startedAt === undefined ? {} : { startedAt: plan.startedAt }),
      ...(plan.endedAt === undefined ? {} : { endedAt: plan.endedAt }),
      durationMs,
    },
    outputs,
    errors,
  };
}

/** How the run ended, for people. */
function resultLines(result: FlowRunResult, color: boolean): string[] {
  const { run } = result;
  const status = `${paint(run.state, styleOf(run.state), color)} with result ${paint(run.result, styleOf(run.result), color)}`;
  const lines = [`Run ${run.id} is ${status} after ${formatMs(run.durationMs)}.`];
  for (const error of result.errors) {
    const code = error.code === undefined ? '' : ` (${error.code})`;
    lines.push(`  stage ${error.stage} failed: ${paint(error.message + code, 'red', color)}`);
  }
  const sinks = Object.entries(result.outputs);
  if (sinks.length > 0) {
    lines.push('Output:');
    for (const [stage, value] of sinks) lines.push(`  ${stage}: ${JSON.stringify(value)}`);
  }
  return lines;
}
