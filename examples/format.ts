/**
 * Printing helpers shared by the examples. Nothing here is part of Flowline: it only turns the
 * plain `ExecutionPlan` snapshots and `step:state` events the engine gives you into readable text.
 */
import type {
  ExecutionPlan,
  Flow,
  JsonValue,
  Phase,
  StepRecord,
  StepStateEvent,
} from '../src/index.js';

/** A clock for log lines: each call says how long since the stopwatch was created (`+0.203s`). */
export function stopwatch(): () => string {
  const started = performance.now();
  return () => `+${((performance.now() - started) / 1000).toFixed(3)}s`;
}

/**
 * Formats a `step:state` event. Events carry ids only, so the caller passes a way to name actions
 * (from the plan returned by `triggered.planned` or `world.executionPlan`).
 */
export function describeStepEvent(
  event: StepStateEvent,
  actionName: (actionId: number) => string,
): string {
  const what = `${actionName(event.actionId)} (action ${event.actionId})`;
  return `step ${String(event.stepId).padStart(2)}  ${event.phase.padEnd(8)} ${what.padEnd(40)} → ${event.state}`;
}

/** A lookup from action id to a readable name, for plans you have a snapshot of. */
export function actionNames(plan: ExecutionPlan): (actionId: number) => string {
  return (actionId) => {
    const action = plan.actions[actionId - 1];
    if (action === undefined) return `action ${actionId}`;
    // Show the first input field, if any, so that three CreateMachine actions can be told apart.
    const first = Object.values(action.input)[0];
    return typeof first === 'string' ? `${action.className}[${first}]` : action.className;
  };
}

/**
 * The plan's steps as a table: id, phase, action, state (and the error, when there is one).
 *
 * @param phases - only steps of these phases (default: all)
 */
export function stepTable(plan: ExecutionPlan, phases?: readonly Phase[]): string {
  const name = actionNames(plan);
  const steps = plan.steps.filter((step) => phases?.includes(step.phase) ?? true);
  const rows = steps.map((step: StepRecord) => [
    String(step.id),
    step.phase,
    name(step.actionId),
    step.state,
    step.error === undefined ? '' : `${step.error.className}: ${step.error.message}`,
  ]);
  return table(['step', 'phase', 'action', 'state', 'error'], rows);
}

/** Each action that wrote output, with that output as JSON. */
export function outputTable(plan: ExecutionPlan): string {
  const name = actionNames(plan);
  const rows = plan.actions
    .filter((action) => Object.keys(action.output).length > 0)
    .map((action) => [String(action.id), name(action.id), json(action.output)]);
  return table(['action', 'name', 'output'], rows);
}

/** The run flow drawn as an indented tree of sequences, concurrences and steps. */
export function flowTree(plan: ExecutionPlan, flow: Flow = plan.runFlow, depth = 0): string {
  const pad = '  '.repeat(depth);
  if (flow.type === 'atom') {
    const step = plan.steps[flow.stepId - 1];
    const action = step === undefined ? 'unknown' : actionNames(plan)(step.actionId);
    return `${pad}step ${flow.stepId}: ${action}`;
  }
  return [
    `${pad}${flow.type}`,
    ...flow.flows.map((child) => flowTree(plan, child, depth + 1)),
  ].join('\n');
}

/** Compact JSON for one-line output. */
export function json(value: JsonValue | undefined): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const used = header.map((_, column) => rows.some((row) => (row[column] ?? '') !== ''));
  used[0] = true;
  const columns = header.map((_, i) => i).filter((i) => used[i] === true);
  const widths = columns.map((i) =>
    Math.max(header[i]?.length ?? 0, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]): string =>
    columns
      .map((i, k) => (cells[i] ?? '').padEnd(widths[k] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
