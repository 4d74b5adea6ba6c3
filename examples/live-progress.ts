/**
 * Live progress of one plan in the terminal, for the examples: on a terminal the plan's bar and one
 * bar per step are redrawn in place at every change; elsewhere (a log, CI) each change is printed
 * as one line instead.
 */
import type { ExecutionPlan, World } from '../src/index.js';
import { renderPlanProgress } from '../src/cli/progress.js';
import { describeStepEvent } from './format.js';

/** Follows a plan's events until it is stopped or paused; `done` resolves then. */
export function showLiveProgress(
  world: World,
  planId: string,
  name: (actionId: number) => string,
): { done: Promise<void> } {
  const out = process.stdout;
  const live = out.isTTY;
  const color = live && process.env.NO_COLOR === undefined;
  let drawn = 0;
  let queue = Promise.resolve();

  const redraw = (plan: ExecutionPlan): void => {
    const lines = renderPlanProgress(plan, { width: 30, color });
    // Back to the first line drawn last time, then rewrite every line.
    if (drawn > 0) out.write(`\x1b[${drawn}F`);
    for (const line of lines) out.write(`\x1b[2K${line}\n`);
    drawn = lines.length;
  };

  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const offStep = world.on('step:state', (event) => {
    if (event.planId !== planId || event.phase === 'plan') return;
    if (!live) {
      console.log(`  ${describeStepEvent(event, name)}`);
      return;
    }
    // Reads the stored plan after each change; one read at a time, in order.
    queue = queue.then(async () => {
      const plan = await world.executionPlan(planId);
      if (plan !== undefined) redraw(plan);
    });
  });
  const offPlan = world.on('plan:state', (event) => {
    if (event.planId !== planId) return;
    if (!live) console.log(`  plan → ${event.state} (result: ${event.result})`);
    if (event.state !== 'stopped' && event.state !== 'paused') return;
    offStep();
    offPlan();
    void queue.then(finish);
  });
  return { done };
}
