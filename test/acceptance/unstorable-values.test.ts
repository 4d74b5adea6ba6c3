/**
 * One rule on every store (memory, SQLite file, PostgreSQL): a value holding text PostgreSQL cannot
 * keep (U+0000, a lone surrogate), nesting deeper than MAX_JSON_DEPTH, or that is not plain data
 * is refused where it enters the engine with UNSERIALIZABLE_VALUE; text the engine makes from
 * thrown errors and log messages is stored sanitised. Nothing is left `running` (issue 11, defects
 * 3 and 11, and the silent data changes of 15).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type {
  ExecutionPlan,
  JsonValue,
  PersistenceAdapter,
  SuspendedAction,
} from '../../src/index.js';
import { Action, FlowlineError, MemoryAdapter, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { useTestDatabase } from '../helpers/postgres.js';
import { expectFlowlineError, nextEvent, stepOf, withWorld } from '../helpers/world.js';

/** An object nested `levels` deep. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}

/** Values no store is given, with the start of the message that refuses them as an argument. */
const unstorable: [name: string, make: () => unknown, message: string][] = [
  [
    'U+0000 in a string',
    () => ({ name: 'web\u00001' }),
    'argument 1 of Deploy at name: the string contains U+0000',
  ],
  [
    'a lone surrogate in a string',
    () => ({ name: 'web\uD8001' }),
    'argument 1 of Deploy at name: the string contains a lone surrogate (U+D800)',
  ],
  [
    'U+0000 in a key',
    () => ({ tags: { 'a\u0000': 1 } }),
    'argument 1 of Deploy at tags: the key "a\\u0000" contains U+0000',
  ],
  ['257 levels', () => nested(257), 'argument 1 of Deploy at a.a.a.a'],
  ['100 000 levels', () => nested(100_000), 'argument 1 of Deploy at a.a.a.a'],
  [
    'an invalid Date',
    () => ({ at: new Date(Number.NaN) }),
    'argument 1 of Deploy at at: an invalid',
  ],
  ['a Buffer', () => ({ data: Buffer.from('x') }), 'argument 1 of Deploy at data: an instance of'],
  [
    'a sparse array',
    () => ({ list: new Array<number>(2) }),
    'argument 1 of Deploy at list[0]: a hole',
  ],
];

/** What the actions below do with the value the test hands them. */
let given: unknown;
let fixed = false;
const captured: { handle?: SuspendedAction } = {};

class Deploy extends Action<{ name?: string }, { ok: boolean }> {
  run(): void {
    this.output.ok = true;
  }
}

/** Writes `given` to its output until `fixed`. */
class WriteOutput extends Action<Record<string, never>> {
  run(): void {
    this.output.first = 'kept?';
    this.output.value = fixed ? 'fine' : given;
  }
}

/** Throws an error whose message, stack and class name hold U+0000 and lone surrogates. */
class ThrowOdd extends Action {
  run(): void {
    this.log.info('log message with \u0000 and \uDC00', { fine: 1 });
    this.log.info('meta refused', { bad: 'x\u0000' });
    if (fixed) return;
    class Od extends Error {}
    Object.defineProperty(Od, 'name', { value: 'Od\u0000d' });
    const error = new Od('bad \u0000 byte \uD800 here');
    error.stack = `Od\u0000d: bad\n    at \uDFFF`;
    throw error;
  }
}

/** planSelf with `given` as input. */
class PlanSelfOdd extends Action {
  override plan(): void {
    this.planSelf({ value: given });
  }
  run(): void {}
}

/** Suspends; an event ends it. */
class Waiter extends Action<Record<string, never>, { got?: JsonValue }> {
  run(event?: JsonValue): void {
    if (event === undefined) {
      this.suspend((handle) => {
        captured.handle = handle;
      });
    }
    this.output.got = event;
  }
}

/** Plans an event with `given` as payload. */
class PlansEvent extends Action {
  run(event?: JsonValue): void {
    if (event !== undefined) return;
    this.planEvent((fixed ? 'fine' : given) as JsonValue, 1);
    this.suspend();
  }
}

const actions = [Deploy, WriteOutput, ThrowOdd, PlanSelfOdd, Waiter, PlansEvent];

/** What a call threw or rejected with (fails when it returned or resolved). */
async function refusalOf(call: () => unknown): Promise<FlowlineError> {
  let error: unknown;
  try {
    await call();
  } catch (thrown) {
    error = thrown;
  }
  return expectFlowlineError(error, 'UNSERIALIZABLE_VALUE');
}

function describeStore(name: string, makeAdapter: () => PersistenceAdapter): void {
  const options = (): {
    adapter: PersistenceAdapter;
    actions: typeof actions;
    logger: typeof silentLogger;
  } => ({
    adapter: makeAdapter(),
    actions,
    logger: silentLogger,
  });

  describe(name, () => {
    it('trigger, plan, delay and chain refuse such arguments at once and store nothing', async () => {
      await withWorld(options(), async (world) => {
        const done = await world.trigger(Deploy, { name: 'web-1' }).finished;
        const before = (await world.executionPlans()).length;
        for (const [what, make, message] of unstorable) {
          for (const [call, run] of [
            ['trigger', () => world.trigger(Deploy, make())],
            ['plan', () => world.plan(Deploy, make())],
            ['delay', () => world.delay(Deploy, { startAt: Date.now() + 60_000 }, make())],
            ['chain', () => world.chain([done.id], Deploy, make())],
          ] as const) {
            const error = await refusalOf(run);
            expect(
              error.message.startsWith(message),
              `${call} with ${what}: ${error.message}`,
            ).toBe(true);
          }
        }
        expect((await world.executionPlans()).length).toBe(before);
      });
    });

    it('trigger refuses synchronously: the error comes from the call itself', async () => {
      await withWorld(options(), async (world) => {
        expect(() => world.trigger(Deploy, { name: '\u0000' })).toThrow(FlowlineError);
        expect(() => world.trigger(Deploy, nested(100_000))).toThrow(
          /nests deeper than 256 levels/,
        );
      });
    });

    for (const [what, make] of unstorable.slice(0, 5)) {
      it(`a step writing an output with ${what} ends error, keeps its last output, pauses, resumes`, async () => {
        await withWorld(options(), async (world) => {
          fixed = false;
          given = make();
          const paused = await world.trigger(WriteOutput).finished;
          expect(paused.state).toBe('paused');
          const step = stepOf(paused, 'WriteOutput', 'run');
          expect(step.state).toBe('error');
          expect(step.error?.code).toBe('UNSERIALIZABLE_VALUE');
          expect(step.error?.message).toMatch(/^output of WriteOutput \(action 1\) at value/);
          const stored = (await world.executionPlan(paused.id)) as ExecutionPlan;
          expect(stored.state).toBe('paused');
          expect(stored.actions[0]?.output).toEqual({});
          fixed = true;
          const resumed = await world.resume(paused.id);
          expect(resumed).toMatchObject({ state: 'stopped', result: 'success' });
          expect(resumed.actions[0]?.output).toEqual({ first: 'kept?', value: 'fine' });
        });
      });
    }

    it('a thrown error and log messages holding U+0000 are stored sanitised; such log meta is dropped', async () => {
      await withWorld(options(), async (world) => {
        fixed = false;
        const paused = await world.trigger(ThrowOdd).finished;
        expect(paused.state).toBe('paused');
        const stored = (await world.executionPlan(paused.id)) as ExecutionPlan;
        const step = stepOf(stored, 'ThrowOdd', 'run');
        expect(step.error).toEqual({
          className: 'Od\uFFFDd',
          message: 'bad \uFFFD byte \uFFFD here',
          stack: 'Od\uFFFDd: bad\n    at \uFFFD',
        });
        const log = await world.stepLog(paused.id, step.id);
        expect(log.map((line) => [line.message, line.meta])).toEqual([
          ['log message with \uFFFD and \uFFFD', { fine: 1 }],
          ['meta refused', undefined],
          [
            'the meta of the previous log line was dropped: log meta at bad: the string contains ' +
              'U+0000, which cannot be stored',
            undefined,
          ],
        ]);
        fixed = true;
        expect(await world.resume(paused.id)).toMatchObject({
          state: 'stopped',
          result: 'success',
        });
      });
    });

    it('planSelf input holding U+0000 stops the plan with UNSERIALIZABLE_VALUE on its plan step', async () => {
      await withWorld(options(), async (world) => {
        given = { deep: ['\u0000'] };
        const triggered = world.trigger(PlanSelfOdd);
        const planned = await triggered.planned;
        expect(planned).toMatchObject({ state: 'stopped', result: 'error' });
        const step = stepOf(planned, 'PlanSelfOdd', 'plan');
        expect(step.error?.code).toBe('UNSERIALIZABLE_VALUE');
        expect(step.error?.message).toBe(
          'input of PlanSelfOdd (action 1) at value.deep[0]: the string contains U+0000, which cannot be stored',
        );
        expect((await world.executionPlan(triggered.id))?.state).toBe('stopped');
      });
    });

    it('world.event and SuspendedAction.event refuse such payloads; the step stays suspended', async () => {
      await withWorld(options(), async (world) => {
        const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
        const triggered = world.trigger(Waiter);
        const { stepId } = await suspended;
        for (const [, make] of unstorable) {
          const payload = make() as JsonValue;
          await refusalOf(() => world.event(triggered.id, stepId, payload));
          await refusalOf(() => captured.handle?.event(payload));
        }
        const waiting = (await world.executionPlan(triggered.id)) as ExecutionPlan;
        expect(stepOf(waiting, 'Waiter', 'run').state).toBe('suspended');
        await world.event(triggered.id, stepId, { fine: ['yes'] });
        const done = await triggered.finished;
        expect(done).toMatchObject({ state: 'stopped', result: 'success' });
        expect(done.actions[0]?.output).toEqual({ got: { fine: ['yes'] } });
      });
    });

    it('planEvent with such a payload fails the step; the plan pauses and resumes', async () => {
      await withWorld(options(), async (world) => {
        fixed = false;
        given = { s: 'x\uDBFF' };
        const paused = await world.trigger(PlansEvent).finished;
        expect(paused.state).toBe('paused');
        expect(stepOf(paused, 'PlansEvent', 'run').error?.message).toMatch(
          /^event planned by PlansEvent in step 2 of plan .* at s: the string contains a lone surrogate/,
        );
        fixed = true;
        expect(await world.resume(paused.id)).toMatchObject({
          state: 'stopped',
          result: 'success',
        });
      });
    });
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeStore('memory', () => new MemoryAdapter());
describeStore('SQLite file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-unstorable-'));
  dirs.push(dir);
  return new SqliteAdapter({ filename: path.join(dir, 'flowline.db') });
});
const db = useTestDatabase();
describeStore('PostgreSQL', () => db.freshAdapter());
