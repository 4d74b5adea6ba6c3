import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActionClass, PlanFilter } from '../../src/index.js';
import { Action, World, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { tempDirs } from '../persistence/sqlite/helpers.js';
import { expectFlowlineError, rejectionOf, thrownBy } from '../helpers/world.js';

class Noop extends Action {
  run() {}
}

const dirs = tempDirs();
const worlds: World[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close();
  dirs.removeAll();
});

async function started(actions: ActionClass[], sqlite = false): Promise<World> {
  const world = new World({
    actions,
    logger: silentLogger,
    ...(sqlite ? { adapter: new SqliteAdapter({ filename: join(dirs.make(), 'f.db') }) } : {}),
  });
  worlds.push(world);
  await world.start();
  return world;
}

describe('operations given malformed options', () => {
  it('cancel(id, null) and other non-objects → INVALID_ARGUMENT, the plan untouched', async () => {
    const world = await started([Noop]);
    const plan = await world.plan(Noop);
    for (const options of [null, 'force', 1, true, [true]]) {
      const error = expectFlowlineError(
        await rejectionOf(world.cancel(plan.id, options as unknown as { force?: boolean })),
        'INVALID_ARGUMENT',
      );
      expect(error.message).toMatch(/cancel: the options must be an object/);
    }
    expect((await world.executionPlan(plan.id))?.state).toBe('planned');
  });
});

describe('executionPlans filters are checked on every store', () => {
  const bad: [string, PlanFilter][] = [
    ['an unknown state', { state: 'bogus' as never }],
    ['a state list with an unknown state', { state: ['running', 'nope'] as never }],
    ['a state object', { state: {} as never }],
    ['an unknown result', { result: 'fine' as never }],
    ['a result number', { result: 3 as never }],
    ['a label number', { label: 7 as never }],
    ['a filter that is not an object', 'running' as never],
    ['an unknown field', { status: 'running' } as never],
  ];
  for (const sqlite of [false, true]) {
    for (const [what, filter] of bad) {
      it(`${what} → INVALID_ARGUMENT (${sqlite ? 'SQLite' : 'memory'})`, async () => {
        const world = await started([Noop], sqlite);
        expectFlowlineError(await rejectionOf(world.executionPlans(filter)), 'INVALID_ARGUMENT');
      });
    }
  }
});

describe('subscribe() is checked when the class is registered', () => {
  it('one that throws is refused by register with INVALID_ACTION, and other triggers still work', async () => {
    class Broken extends Action {
      static override subscribe(): ActionClass {
        throw new Error('boom');
      }
      run() {}
    }
    const world = await started([Noop]);
    const error = expectFlowlineError(
      thrownBy(() => world.register(Broken)),
      'INVALID_ACTION',
    );
    expect(error.message).toMatch(/Broken.*subscribe\(\) threw: boom/);
    expect((await world.trigger(Noop).finished).result).toBe('success');
  });

  for (const [what, value] of [
    ['a string', 'not a class'],
    ['a list with a number and null', [Noop, 42, null]],
    ['a plain function', () => undefined],
    ['undefined', undefined],
  ] as const) {
    it(`one returning ${what} is refused with INVALID_ACTION`, () => {
      class Odd extends Action {
        static override subscribe(): ActionClass {
          return value as unknown as ActionClass;
        }
        run() {}
      }
      const error = expectFlowlineError(
        thrownBy(() => new World({ actions: [Noop, Odd], logger: silentLogger })),
        'INVALID_ACTION',
      );
      expect(error.message).toMatch(/Odd: subscribe\(\) must return an action class/);
    });
  }
});

describe('an id this world handed out works at once', () => {
  it('chain, executionPlan, stepLog and subPlans right after trigger wait for the plan to be stored', async () => {
    for (const sqlite of [false, true]) {
      const world = await started([Noop], sqlite);
      const first = world.trigger(Noop);
      const chained = world.chain([first.id], Noop);
      const seen = world.executionPlan(first.id);
      const log = world.stepLog(first.id);
      const children = world.subPlans(first.id);
      expect((await chained).state).toBe('scheduled');
      expect((await seen)?.id).toBe(first.id);
      expect(await log).toEqual([]);
      expect(await children).toEqual([]);
      await first.finished;
    }
  });

  it('cancel right after trigger acts on the plan, however far it got', async () => {
    class WaitsForAbort extends Action {
      async run() {
        await new Promise<void>((resolve) => {
          this.signal.addEventListener('abort', () => {
            resolve();
          });
        });
        throw new Error('aborted');
      }
    }
    const world = await started([WaitsForAbort]);
    const triggered = world.trigger(WaitsForAbort);
    await world.cancel(triggered.id, { force: true });
    const plan = await triggered.finished;
    expect([plan.state, plan.result]).toEqual(['stopped', 'cancelled']);
  });
});

describe('names every store can keep', () => {
  it('an action name or a world id with U+0000 or a lone surrogate is refused at once', () => {
    class Named extends Action {
      static override actionName = 'Bad\u0000Name';
      run() {}
    }
    expectFlowlineError(
      thrownBy(() => new World({ actions: [Named], logger: silentLogger })),
      'INVALID_ACTION',
    );
    for (const id of ['world\u0000', 'lone \ud800']) {
      expectFlowlineError(
        thrownBy(() => new World({ id, logger: silentLogger })),
        'INVALID_ARGUMENT',
      );
    }
  });
});
