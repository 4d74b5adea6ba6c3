import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Action, World, silentLogger } from '../../../src/index.js';
import type { JsonValue, SuspendedAction } from '../../../src/index.js';
import { SqliteAdapter } from '../../../src/persistence/sqlite/index.js';
import { Probe } from '../../helpers/world.js';
import { actionRecord, planRecord, scoped, stepRecord, tempDirs } from './helpers.js';

const dirs = tempDirs();
let filename: string;
const opened: { close(): Promise<void> }[] = [];

beforeEach(() => {
  filename = join(dirs.make(), 'flowline.db');
});

afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
  dirs.removeAll();
});

async function adapterOn(file: string): Promise<SqliteAdapter> {
  const adapter = new SqliteAdapter({ filename: file });
  opened.push(adapter);
  await adapter.start();
  return adapter;
}

describe('SqliteAdapter durability', () => {
  it('plans, events, locks, worlds, delays, dependencies and logs survive close and reopen', async () => {
    const first = await adapterOn(filename);
    await first.write({
      plans: [planRecord('p1', 'running'), planRecord('p2')],
      actions: [scoped('p1', actionRecord(1))],
      steps: [
        scoped('p1', stepRecord(1, 'success', 'plan')),
        scoped('p1', stepRecord(2, 'suspended')),
      ],
      delayedPlans: [
        { planId: 'p2', startAt: '2024-01-01T00:00:00.000Z', args: [1, 'a'], frozen: false },
      ],
      dependencies: [{ planId: 'p2', dependsOn: 'p1' }],
    });
    for (const id of ['e1', 'e2', 'e3']) {
      await first.enqueueEvent({ id, planId: 'p1', stepId: 2, payload: { id }, createdAt: 'T' });
    }
    await first.appendLogs([{ planId: 'p1', stepId: 2, at: 'T', level: 'info', message: 'hi' }]);
    const world = {
      id: 'w1',
      host: 'h',
      pid: 7,
      executor: true,
      startedAt: 'T0',
      heartbeatAt: 'T0',
    };
    await first.registerWorld(world);
    await first.heartbeat('w1', 'T1');
    expect(
      await first.acquireLock({
        key: 'execution-plan:p1',
        ownerId: 'w1',
        planId: 'p1',
        acquiredAt: 'T',
      }),
    ).toBe(true);
    expect(await first.takeEvent('p1', 2)).toMatchObject({ id: 'e1' });
    await first.close();

    const second = await adapterOn(filename);
    const stored = await second.loadPlan('p1');
    expect(stored?.plan).toEqual(planRecord('p1', 'running'));
    expect(stored?.actions).toEqual([actionRecord(1)]);
    expect(stored?.steps).toEqual([stepRecord(1, 'success', 'plan'), stepRecord(2, 'suspended')]);
    expect((await second.findPlans()).map((p) => p.id)).toEqual(['p2', 'p1']);
    expect(await second.takeEvent('p1', 2)).toMatchObject({ id: 'e2', payload: { id: 'e2' } });
    expect((await second.dropEvents('p1', 2)).map((e) => e.id)).toEqual(['e3']);
    expect(await second.findDueDelayedPlans('2024-06-01T00:00:00.000Z')).toEqual([
      { planId: 'p2', startAt: '2024-01-01T00:00:00.000Z', args: [1, 'a'], frozen: false },
    ]);
    expect(await second.findDependents('p1')).toEqual(['p2']);
    expect(await second.loadLogs('p1', 2)).toEqual([
      { planId: 'p1', stepId: 2, at: 'T', level: 'info', message: 'hi' },
    ]);
    expect(await second.findWorlds()).toEqual([{ ...world, heartbeatAt: 'T1' }]);
    expect(await second.findLocks('w1')).toEqual([
      { key: 'execution-plan:p1', ownerId: 'w1', planId: 'p1', acquiredAt: 'T' },
    ]);
    expect(
      await second.acquireLock({ key: 'execution-plan:p1', ownerId: 'w2', acquiredAt: 'T' }),
    ).toBe(false);
  });

  it('claimStep keeps the state column and the stored JSON in step', async () => {
    const adapter = await adapterOn(filename);
    const ended = { ...stepRecord(2, 'error'), startedAt: 'S', endedAt: 'E' };
    await adapter.write({
      plans: [planRecord('p1')],
      actions: [scoped('p1', actionRecord(1))],
      steps: [scoped('p1', stepRecord(1, 'success', 'plan')), scoped('p1', ended)],
    });
    expect(await adapter.claimStep({ planId: 'p1', stepId: 2, from: ['pending'], at: 'T' })).toBe(
      false,
    );
    expect(
      await adapter.claimStep({ planId: 'p1', stepId: 2, from: ['error', 'suspended'], at: 'T' }),
    ).toBe(true);
    expect(await adapter.claimStep({ planId: 'p1', stepId: 2, from: ['error'], at: 'T' })).toBe(
      false,
    );
    const step = (await adapter.loadPlan('p1'))?.steps[1];
    expect(step).toEqual({ ...stepRecord(2, 'running'), startedAt: 'S' });
    const raw = new Database(filename, { readonly: true });
    expect(raw.prepare('SELECT state FROM flowline_steps WHERE id = 2').get()).toEqual({
      state: 'running',
    });
    raw.close();
  });
});

describe('a World on the SqliteAdapter', () => {
  const probe = new Probe();
  const handles: SuspendedAction[] = [];

  class Greet extends Action<{ name: string }, { greeting: string }> {
    override plan(name: string) {
      this.planSelf({ name });
    }
    run() {
      this.output.greeting = `hello ${this.input.name}`;
    }
  }

  class Wait extends Action<Record<string, never>, { got: JsonValue }> {
    run(event?: JsonValue) {
      if (event === undefined) {
        this.suspend((handle) => {
          handles.push(handle);
          probe.poke();
        });
      }
      this.output.got = event ?? null;
    }
  }

  class Pipeline extends Action {
    override plan(name: string) {
      this.sequence(() => {
        this.planAction(Greet, name);
        this.planAction(Wait);
      });
    }
  }

  async function worldOn(file: string): Promise<World> {
    const world = new World({
      adapter: new SqliteAdapter({ filename: file }),
      actions: [Greet, Wait, Pipeline],
      logger: silentLogger,
    });
    opened.push(world);
    await world.start();
    return world;
  }

  it('runs a plan end to end, and a new adapter on the file returns the same plan', async () => {
    const world = await worldOn(filename);
    const triggered = world.trigger(Pipeline, 'sqlite');
    await probe.until(() => handles.length === 1);
    await world.event(triggered.id, handles[0]!.stepId, { ok: true });
    const finished = await triggered.finished;
    expect(finished.state).toBe('stopped');
    expect(finished.result).toBe('success');
    expect(finished.actions.find((a) => a.className === 'Greet')?.output).toEqual({
      greeting: 'hello sqlite',
    });
    expect(finished.actions.find((a) => a.className === 'Wait')?.output).toEqual({
      got: { ok: true },
    });
    await world.close();

    const reopened = await worldOn(filename);
    expect(await reopened.executionPlan(triggered.id)).toEqual(finished);
    expect((await reopened.executionPlans({ state: 'stopped' })).map((p) => p.id)).toEqual([
      triggered.id,
    ]);
  });
});
