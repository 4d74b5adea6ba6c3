/**
 * Property: whatever values an action returns, writes to `this.output`, throws, gives `planSelf`
 * or sends as an event from `suspend`, in `run` or in `finalize`, the plan ends `paused` or
 * `stopped` (never stuck `running`), a failed step holds a readable error (typed
 * UNSERIALIZABLE_VALUE when a value could not be stored), and resume or halt work after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type {
  ExecutionPlan,
  JsonValue,
  PersistenceAdapter,
  RescueStrategy,
  StepRecord,
  World,
} from '../../src/index.js';
import { Action, FlowlineError, MemoryAdapter, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { hostileThrows } from '../helpers/hostile-values.js';
import { useTestDatabase } from '../helpers/postgres.js';
import type { Deferred } from '../helpers/world.js';
import { deferred, withWorld } from '../helpers/world.js';

/** What the action does with a generated value. */
type Use = 'return' | 'output' | 'assign' | 'throw' | 'reject' | 'event' | 'planSelf';

/** One generated case. */
interface Scenario {
  readonly use: Use;
  readonly phase: 'run' | 'finalize';
  readonly value: () => unknown;
  readonly label: string;
  readonly rescue: RescueStrategy;
  /** After a pause: resume (with the action then behaving) or halt. */
  readonly thenResume: boolean;
}

/** The case being run, and whether the action behaves now (for resume). */
let scenario: Scenario | undefined;
let behaving = false;
/** What `SuspendedAction.event` answered with the generated payload, once sent. */
let eventAnswer: Deferred<Promise<unknown>> = deferred();

class Subject extends Action {
  override plan(): void {
    const use = scenario?.use;
    this.planSelf(use === 'planSelf' && !behaving ? { value: scenario?.value() } : {});
  }

  run(event?: JsonValue): unknown {
    if (scenario?.phase !== 'run' || behaving) return undefined;
    if (scenario.use === 'event' && event === undefined) {
      const payload = scenario.value();
      this.suspend((handle) => {
        const answer = handle.event(payload as JsonValue);
        answer.catch(() => {});
        eventAnswer.resolve(answer);
      });
    }
    if (scenario.use === 'event') return undefined;
    return act(this.output, scenario);
  }

  finalize(): unknown {
    if (scenario?.phase !== 'finalize' || behaving) return undefined;
    return act(this.output, scenario);
  }

  override rescueStrategy(): RescueStrategy {
    return scenario?.rescue ?? 'pause';
  }
}

/** Does with the value what the scenario says; what it returns is what run/finalize return. */
function act(output: Record<string, unknown>, current: Scenario): unknown {
  const value = current.value();
  switch (current.use) {
    case 'return':
      return value;
    case 'output':
      output.value = value;
      return undefined;
    case 'assign':
      if (typeof value === 'object' && value !== null) Object.assign(output, value);
      else output.value = value;
      return undefined;
    case 'throw':
      // Throwing anything at all is the point.
      throw value;
    case 'reject':
      // Rejecting with anything at all is the point.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(value);
    default:
      return undefined;
  }
}

/** Deep values, odd strings, instances, thrown oddities, and anything fast-check can make. */
const values: fc.Arbitrary<{ make: () => unknown; label: string }> = fc.oneof(
  fc
    .anything({
      maxDepth: 3,
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withNullPrototype: true,
      withSet: true,
      withSparseArray: true,
      withTypedArray: true,
    })
    .map((value) => ({ make: () => value, label: fc.stringify(value).slice(0, 200) })),
  fc.constantFrom(...hostileThrows).map((hostile) => ({ make: hostile.make, label: hostile.name })),
  fc
    .constantFrom(
      ['U+0000', { s: 'a\u0000b' }],
      ['a lone surrogate key', { '\uD800': 1 }],
      ['300 levels', nested(300)],
      ['100 000 levels', nested(100_000)],
      ['an invalid Date', new Date(Number.NaN)],
      ['a Buffer', Buffer.from('b')],
      ['an own __proto__', JSON.parse('{"__proto__":{"x":1}}') as unknown],
      ['a promise of null', Promise.resolve(null)],
    )
    .map(([label, value]) => ({ make: () => value, label: label })),
);

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < levels; level++) value = { a: value };
  return value;
}

const scenarios: fc.Arbitrary<Scenario> = fc
  .record({
    use: fc.constantFrom<Use>('return', 'output', 'assign', 'throw', 'reject', 'event', 'planSelf'),
    phase: fc.constantFrom<'run' | 'finalize'>('run', 'finalize'),
    value: values,
    rescue: fc.constantFrom<RescueStrategy>('pause', 'pause', 'skip', 'fail'),
    thenResume: fc.boolean(),
  })
  .map(({ value, ...rest }) => {
    const phase = rest.use === 'event' || rest.use === 'planSelf' ? 'run' : rest.phase;
    const label = `${rest.use} in ${phase} (${rest.rescue}): ${value.label}`;
    return { ...rest, phase, value: value.make, label };
  });

/** Steps that failed, and the error each holds. */
function failedSteps(plan: ExecutionPlan): StepRecord[] {
  return plan.steps.filter((step) => step.state === 'error');
}

function expectReadableError(step: StepRecord, label: string): void {
  expect(step.error, `${label}: error on step ${step.id}`).toBeDefined();
  expect(typeof step.error?.className).toBe('string');
  expect(typeof step.error?.message).toBe('string');
  expect(JSON.parse(JSON.stringify(step.error)), label).toEqual(step.error);
}

async function runScenario(world: World, current: Scenario): Promise<void> {
  scenario = current;
  behaving = false;
  eventAnswer = deferred();
  const triggered = world.trigger(Subject);
  const planned = await triggered.planned;
  if (planned.state === 'stopped') {
    // Planning refused the value: an error on the plan step, no run step executed.
    expect(current.use, current.label).toBe('planSelf');
    expect(planned.result).toBe('error');
    const [step] = failedSteps(planned);
    expect(step?.phase).toBe('plan');
    expect(step?.error?.code, current.label).toBe('UNSERIALIZABLE_VALUE');
    expect(await triggered.finished).toMatchObject({ state: 'stopped', result: 'error' });
    return;
  }
  if (current.use === 'event') {
    const settledEvent = await waitForEventAnswer();
    if (settledEvent !== 'accepted') {
      // The payload was refused: the step is still suspended; halting stops the plan.
      expectFlowlineErrorCode(settledEvent, 'UNSERIALIZABLE_VALUE', current.label);
      await world.halt(triggered.id);
      expect((await triggered.finished).state).toBe('stopped');
      return;
    }
  }
  const plan = await triggered.finished;
  expect(['paused', 'stopped'], current.label).toContain(plan.state);
  for (const step of failedSteps(plan)) expectReadableError(step, current.label);
  if (plan.state === 'stopped') return;
  // Paused on a failed step: resume (now behaving) or halt.
  expect(failedSteps(plan).length, current.label).toBeGreaterThan(0);
  behaving = true;
  if (current.thenResume) {
    const resumed = await world.resume(plan.id);
    expect(resumed.state, current.label).toBe('stopped');
    expect(['success', 'warning'], current.label).toContain(resumed.result);
  } else {
    await world.halt(plan.id);
    expect((await world.executionPlan(plan.id))?.state, current.label).toBe('stopped');
  }
}

/** Resolves once the event sent from `suspend` is accepted (`'accepted'`) or refused (the error). */
async function waitForEventAnswer(): Promise<unknown> {
  try {
    await await eventAnswer.promise;
    return 'accepted';
  } catch (error) {
    return error;
  }
}

function expectFlowlineErrorCode(error: unknown, code: string, label: string): void {
  expect(error, label).toBeInstanceOf(FlowlineError);
  expect((error as FlowlineError).code, label).toBe(code);
}

async function checkValues(
  adapter: PersistenceAdapter,
  numRuns: number,
  seed: number,
): Promise<void> {
  await withWorld({ adapter, actions: [Subject], logger: silentLogger }, async (world) => {
    await fc.assert(
      fc.asyncProperty(scenarios, (current) => runScenario(world, current)),
      { numRuns, seed, endOnFailure: true },
    );
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('values an action returns, writes, throws or sends', () => {
  it('memory: the plan always ends paused or stopped, with a readable error; resume and halt work', async () => {
    await checkValues(new MemoryAdapter(), 2000, 21);
  }, 120_000);

  it('SQLite file: the same, fewer runs', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-values-'));
    dirs.push(dir);
    await checkValues(new SqliteAdapter({ filename: path.join(dir, 'f.db') }), 200, 22);
  }, 120_000);

  describe('PostgreSQL', () => {
    const db = useTestDatabase();
    it('the same, fewer runs', async () => {
      await checkValues(db.freshAdapter(), 200, 23);
    }, 120_000);
  });
});
