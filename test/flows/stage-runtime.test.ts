import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAdapter, World } from '../../src/index.js';
import type { ExecutionPlan, JsonObject, JsonValue } from '../../src/index.js';
import { ManagedClock } from '../../src/testing/index.js';
import { Flows, StageAction } from '../../src/flows/index.js';

/** A promise with its resolve function. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const calls = new Map<string, number>();
/** Barriers: each opens once `parties` stages have arrived (sequential stages never open one). */
const gates = new Map<
  string,
  { parties: number; arrived: number; open: ReturnType<typeof deferred> }
>();
function barrier(name: string, parties: number) {
  gates.set(name, { parties, arrived: 0, open: deferred() });
}
const started: string[] = [];

class Echo extends StageAction<object> {
  static override actionName = 'Echo';
  process(data: JsonValue) {
    return data;
  }
}
/** Fails `fail` times (per key), then returns its data. */
class Flaky extends StageAction<{ key: string; fail: number }> {
  static override actionName = 'Flaky';
  process(data: JsonValue, props: { key: string; fail: number }) {
    const n = (calls.get(props.key) ?? 0) + 1;
    calls.set(props.key, n);
    if (n <= props.fail) throw new Error(`boom ${n}`);
    return data;
  }
}
/** Waits for a named gate, noting that it started. */
class Gated extends StageAction<{ gate: string; label?: string }> {
  static override actionName = 'Gated';
  async process(data: JsonValue, props: { gate: string; label?: string }) {
    started.push(props.label ?? props.gate);
    console.log(`hello from ${props.label ?? props.gate}`);
    const gate = gates.get(props.gate);
    if (gate !== undefined) {
      gate.arrived++;
      if (gate.arrived === gate.parties) gate.open.resolve();
      await gate.open.promise;
    }
    console.warn(`bye from ${props.label ?? props.gate}`);
    return data;
  }
}
class Never extends StageAction<object> {
  static override actionName = 'Never';
  process(): Promise<JsonValue> {
    return new Promise((_resolve, reject) => {
      this.signal.addEventListener('abort', () => reject(new Error('aborted')));
    });
  }
}
class Constant extends StageAction<{ value: JsonValue }> {
  static override actionName = 'Constant';
  process(_data: JsonValue, props: { value: JsonValue }) {
    return props.value;
  }
}
class Keep extends StageAction<{ when: boolean }> {
  static override actionName = 'Keep';
  process(data: JsonValue, props: { when: boolean }) {
    return props.when ? data : this.endBranch('told not to');
  }
}

/** Waits for an approval message by name, then outputs it with the data. */
class Approve extends StageAction<object> {
  static override actionName = 'Approve';
  process(data: JsonValue) {
    if (this.event === undefined) this.suspend({ waitFor: 'approval' });
    return { data, approval: this.event as JsonValue };
  }
}

const ACTIONS = [Echo, Flaky, Gated, Never, Constant, Keep, Approve];
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  calls.clear();
  gates.clear();
  started.length = 0;
});

const seen: string[] = [];
async function setup(clock?: ManagedClock) {
  world = new World({
    adapter: new MemoryAdapter(),
    ...(clock ? { clock } : {}),
    middleware: [
      {
        run: (
          next: (event: JsonValue | undefined) => Promise<void>,
          event: JsonValue | undefined,
        ) => {
          seen.push('run');
          return next(event);
        },
      },
    ],
  });
  const flows = new Flows({ world, actions: ACTIONS });
  await world.start();
  return flows;
}

type Stage = { name: string; action: string; props?: JsonObject; out?: string[] };
const flow = (name: string, stages: Stage[]) => ({
  name,
  stages: stages.map((s) => ({ props: {}, out: [], ...s })),
});

function stageLines(
  plan: ExecutionPlan,
  stage: string,
  lines: { stepId: number; message: string; level: string }[],
) {
  const action = plan.actions.find((a) => (a.input as { stage?: string }).stage === stage);
  return lines.filter((l) => l.stepId === action?.runStepId);
}

describe('graph', () => {
  it('runs independent branches concurrently (a gate only both can open)', async () => {
    const flows = await setup();
    barrier('g', 2);
    await flows.save(
      flow('branches', [
        { name: 'start', action: 'Echo', out: ['left', 'right'] },
        { name: 'left', action: 'Gated', props: { gate: 'g', label: 'left' } },
        { name: 'right', action: 'Gated', props: { gate: 'g', label: 'right' } },
      ]),
    );
    const run = flows.trigger('branches', 1);
    const plan = await run.finished;
    expect(plan.result).toBe('success');
    expect(started.sort()).toEqual(['left', 'right']);
  });

  it('orders any DAG by its edges (an N shape, not series-parallel)', async () => {
    const flows = await setup();
    await flows.save(
      flow('n-shape', [
        { name: 'e', action: 'Echo', out: ['a', 'b'] },
        { name: 'a', action: 'Constant', props: { value: 'A' }, out: ['c', 'd'] },
        { name: 'b', action: 'Constant', props: { value: 'B' }, out: ['d'] },
        { name: 'c', action: 'Echo' },
        { name: 'd', action: 'Echo' },
      ]),
    );
    const run = flows.trigger('n-shape', 0);
    const plan = await run.finished;
    expect(plan.result).toBe('success');
    expect(await flows.result(run.id, 'c')).toBe('A');
    expect(await flows.result(run.id, 'd')).toEqual({ a: 'A', b: 'B' });
    const ended = (stage: string) => {
      const action = plan.actions.find((a) => (a.input as { stage?: string }).stage === stage);
      return plan.steps[(action?.runStepId ?? 0) - 1]?.endedAt ?? '';
    };
    const begun = (stage: string) => {
      const action = plan.actions.find((a) => (a.input as { stage?: string }).stage === stage);
      return plan.steps[(action?.runStepId ?? 0) - 1]?.startedAt ?? '';
    };
    expect(begun('d') >= ended('a') && begun('d') >= ended('b')).toBe(true);
    expect(begun('c') >= ended('a')).toBe(true);
  });

  it('compiles the same definition to the same plan shape', async () => {
    const flows = await setup();
    await flows.save(
      flow('same', [
        { name: 'e', action: 'Echo', out: ['b', 'a'] },
        { name: 'a', action: 'Echo', out: ['j'] },
        { name: 'b', action: 'Echo', out: ['j'] },
        { name: 'j', action: 'Echo' },
      ]),
    );
    const shape = (plan: ExecutionPlan) => ({
      actions: plan.actions.map((a) => [a.className, (a.input as { stage?: string }).stage]),
      steps: plan.steps.map((s) => [s.actionId, s.phase]),
      runFlow: plan.runFlow,
    });
    const one = await flows.trigger('same', 1).finished;
    const two = await flows.trigger('same', 2).finished;
    expect(shape(one)).toEqual(shape(two));
  });

  it('ends a branch where a stage calls endBranch: downstream stages are skipped, the run succeeds', async () => {
    const flows = await setup();
    await flows.save(
      flow('filtered', [
        { name: 'e', action: 'Echo', out: ['stop', 'go'] },
        { name: 'stop', action: 'Keep', props: { when: false }, out: ['after', 'join'] },
        { name: 'after', action: 'Echo' },
        { name: 'go', action: 'Keep', props: { when: true }, out: ['join', 'other'] },
        { name: 'join', action: 'Echo' },
        { name: 'other', action: 'Echo' },
      ]),
    );
    const run = flows.trigger('filtered', 'x');
    const plan = await run.finished;
    expect(plan.result).toBe('success');
    expect(await flows.result(run.id, 'after')).toBeUndefined();
    expect(await flows.result(run.id, 'join')).toBeUndefined();
    expect(await flows.result(run.id, 'other')).toBe('x');
    const after = plan.actions.find((a) => (a.input as { stage?: string }).stage === 'after');
    expect((after?.output as { skipped?: string }).skipped).toMatch(
      /stage "stop" ended this branch: told not to/,
    );
  });
});

describe('stage behaviour', () => {
  it('reads this.signal in every stage without piling up listeners on the plan (no MaxListeners warning)', async () => {
    const flows = await setup();
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    try {
      const names = Array.from({ length: 15 }, (_, i) => `s${i}`);
      await flows.save(
        flow(
          'long chain',
          names.map((name, i) => ({
            name,
            action: 'Echo',
            out: i + 1 < names.length ? [names[i + 1] as string] : [],
          })),
        ),
      );
      expect((await flows.trigger('long chain', 1).finished).result).toBe('success');
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('is an action: world middleware wraps it, and it can suspend until a message comes', async () => {
    const flows = await setup();
    seen.length = 0;
    await flows.save(
      flow('approval', [
        { name: 'ask', action: 'Approve', out: ['after'] },
        { name: 'after', action: 'Echo' },
      ]),
    );
    const run = flows.trigger('approval', 'order-1');
    await new Promise<void>((resolve) => {
      world?.on('step:state', (event) => {
        if (event.planId === run.id && event.state === 'suspended') resolve();
      });
    });
    await world!.send(run.id, 'approval', { by: 'ann' });
    const plan = await run.finished;
    expect(plan.result).toBe('success');
    expect(await flows.result(run.id, 'after')).toEqual({
      data: 'order-1',
      approval: { by: 'ann' },
    });
    // run twice for the suspending stage (before and after the message), once for the next.
    expect(seen).toEqual(['run', 'run', 'run']);
  });

  it('retries a failing stage with exponential backoff on the world clock', async () => {
    const clock = new ManagedClock();
    const flows = await setup(clock);
    await flows.save(flow('retry', [{ name: 'f', action: 'Flaky', props: { key: 'r', fail: 2 } }]));
    const run = flows.trigger('retry', 7);
    await run.planned;
    const first = await clock.advanceToNextStepTimer({ kind: 'retry' });
    const second = await clock.advanceToNextStepTimer({ kind: 'retry' });
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    const plan = await run.finished;
    expect(plan.result).toBe('success');
    expect(calls.get('r')).toBe(3);
    expect(await flows.result(run.id, 'f')).toBe(7);
    // 500 ms, then 1 s: the default backoff.
    expect((second?.due ?? 0) - (first?.due ?? 0)).toBe(1000);
    const lines = stageLines(plan, 'f', await world!.stepLog(run.id));
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'attempt 1 of 4 failed: boom 1; retrying in 500 ms',
      'attempt 2 of 4 failed: boom 2; retrying in 1000 ms',
    ]);
  });

  it('pauses the run when a stage fails with $retry: false', async () => {
    const flows = await setup();
    await flows.save(
      flow('no-retry', [
        { name: 'f', action: 'Flaky', props: { key: 'n', fail: 1, $retry: false } },
      ]),
    );
    const plan = await flows.trigger('no-retry', 1).finished;
    expect(plan.state).toBe('paused');
    expect(calls.get('n')).toBe(1);
    expect(plan.steps.find((s) => s.state === 'error')?.error?.message).toBe('boom 1');
  });

  it("runs the $fallback when every attempt failed; its output takes the stage's place", async () => {
    const flows = await setup();
    await flows.save(
      flow('fallback', [
        {
          name: 'f',
          action: 'Flaky',
          props: {
            key: 'fb',
            fail: 99,
            $retry: false,
            $fallback: { action: 'Constant', props: { value: 'plan B' } },
          },
          out: ['next'],
        },
        { name: 'next', action: 'Echo' },
      ]),
    );
    const run = flows.trigger('fallback', 1);
    const plan = await run.finished;
    expect(plan.result).toBe('success');
    expect(await flows.result(run.id, 'next')).toBe('plan B');
    const f = plan.actions.find((a) => (a.input as { stage?: string }).stage === 'f');
    expect((f?.output as { fellBack?: string }).fellBack).toBe('boom 1');
  });

  it('fails an attempt that outlives its $timeout, on the world clock, aborting its signal', async () => {
    const clock = new ManagedClock();
    const flows = await setup(clock);
    await flows.save(
      flow('slow', [{ name: 's', action: 'Never', props: { $timeout: 5000, $retry: false } }]),
    );
    const run = flows.trigger('slow', 1);
    await run.planned;
    expect(await clock.advanceToNextStepTimer({ kind: 'timeout' })).toBeDefined();
    const plan = await run.finished;
    expect(plan.state).toBe('paused');
    const error = plan.steps.find((s) => s.state === 'error')?.error;
    expect(error?.code).toBe('STAGE_TIMEOUT');
    expect(error?.message).toMatch(
      /stage "s" of flow "slow" did not finish within its \$timeout of 5000 ms/,
    );
  });

  it('warns (and goes on) when the input does not match $input', async () => {
    const flows = await setup();
    await flows.save(
      flow('typed', [
        {
          name: 's',
          action: 'Echo',
          props: {
            $input: {
              type: 'object',
              required: ['email'],
              properties: { email: { type: 'string' } },
            },
          },
        },
      ]),
    );
    const bad = flows.trigger('typed', { name: 'no email' });
    const plan = await bad.finished;
    expect(plan.result).toBe('success');
    const s = plan.actions.find((a) => (a.input as { stage?: string }).stage === 's');
    expect((s?.output as { warnings?: string[] }).warnings?.[0]).toMatch(
      /does not match its \$input schema: \(input\) must have required property 'email'/,
    );
    const [listed] = await flows.runs('typed', { result: 'success', limit: 1 });
    expect(listed?.warnings?.[0]).toMatch(/input of stage "s" does not match/);
    const lines = stageLines(plan, 's', await world!.stepLog(bad.id));
    expect(lines.some((l) => l.level === 'warn' && /\$input/.test(l.message))).toBe(true);
    const good = await flows.trigger('typed', { email: 'a@b.c' }).finished;
    const g = good.actions.find((a) => (a.input as { stage?: string }).stage === 's');
    expect((g?.output as { warnings?: string[] }).warnings).toBeUndefined();
  });

  it("captures console calls into the calling stage's log only, even for concurrent stages", async () => {
    const flows = await setup();
    barrier('c', 2);
    await flows.save(
      flow('logs', [
        { name: 'start', action: 'Echo', out: ['one', 'two'] },
        { name: 'one', action: 'Gated', props: { gate: 'c', label: 'one' } },
        { name: 'two', action: 'Gated', props: { gate: 'c', label: 'two' } },
      ]),
    );
    const run = flows.trigger('logs', 1);
    const plan = await run.finished;
    const lines = await world!.stepLog(run.id);
    expect(stageLines(plan, 'one', lines).map((l) => [l.level, l.message])).toEqual([
      ['info', 'hello from one'],
      ['warn', 'bye from one'],
    ]);
    expect(stageLines(plan, 'two', lines).map((l) => [l.level, l.message])).toEqual([
      ['info', 'hello from two'],
      ['warn', 'bye from two'],
    ]);
  });
});
