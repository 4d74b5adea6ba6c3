import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionPlan, PersistenceAdapter, TriggerOptions } from '../../src/index.js';
import { Action, World, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { ManagedClock } from '../../src/testing/index.js';
import { useTestDatabase } from '../helpers/postgres.js';

/** Every charge made, in any world of this process. */
const charges: string[] = [];

class Charge extends Action<{ orderId: string }> {
  override plan(orderId: string): void {
    this.planSelf({ orderId });
  }
  async run(): Promise<void> {
    charges.push(this.input.orderId);
  }
}

const db = useTestDatabase();
const dirs: string[] = [];
afterEach(() => {
  charges.length = 0;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Two ways to open the same store twice. */
const stores: [string, () => () => PersistenceAdapter][] = [
  [
    'two worlds on one SQLite file',
    () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-idem-race-'));
      dirs.push(dir);
      const filename = path.join(dir, 'flowline.db');
      return () => new SqliteAdapter({ filename });
    },
  ],
  [
    'two worlds on one PostgreSQL database',
    () => {
      const schema = db.freshSchema();
      return () => db.freshAdapter(schema);
    },
  ],
];

const POLL_MS = 1_000;

/** Read through a function: the flag changes while the loop awaits. */
const isDone = (state: { readonly done: boolean }): boolean => state.done;

/**
 * Triggers every option set in both worlds at the same moment, then lets the world that waits for
 * a plan the other runs look at the store (a poll on the shared managed clock) until all is done.
 */
async function raceIn(
  open: () => PersistenceAdapter,
  calls: readonly (readonly [TriggerOptions, string])[],
): Promise<{ a: ExecutionPlan[]; b: ExecutionPlan[]; stored: ExecutionPlan[] }> {
  const clock = new ManagedClock();
  const worlds = [0, 1].map(
    () =>
      new World({
        adapter: open(),
        actions: [Charge],
        clock,
        logger: silentLogger,
        schedulerPollIntervalMs: POLL_MS,
      }),
  );
  const [a, b] = worlds as [World, World];
  await a.start();
  await b.start();
  try {
    const fromA = calls.map(([options, order]) => a.triggerWith(options, Charge, order));
    const fromB = calls.map(([options, order]) => b.triggerWith(options, Charge, order));
    const all = Promise.all([
      Promise.all(fromA.map((t) => t.finished)),
      Promise.all(fromB.map((t) => t.finished)),
    ]);
    const state = { done: false };
    const end = (): void => {
      state.done = true;
    };
    all.then(end, end);
    // Bounded: every poll lets a waiting world see what the other one stored.
    for (let polls = 0; polls < 200 && !isDone(state); polls++) await clock.advance(POLL_MS);
    const [plansA, plansB] = await all;
    expect(fromA.map((t) => t.id)).toEqual(fromB.map((t) => t.id));
    return { a: plansA, b: plansB, stored: await a.executionPlans() };
  } finally {
    await Promise.all(worlds.map((world) => world.close()));
  }
}

describe.each(stores)('idempotent triggers racing across %s', (_name, makeStore) => {
  it('the same idempotency key triggered in both at once plans once and charges once', async () => {
    const calls = Array.from(
      { length: 5 },
      (_, i) => [{ idempotencyKey: `req-${i}` }, `order-${i}`] as const,
    );
    const { a, b, stored } = await raceIn(makeStore(), calls);
    expect(stored, 'one plan per key').toHaveLength(5);
    expect(a.map((plan) => plan.id)).toEqual(b.map((plan) => plan.id));
    expect(a.every((plan) => plan.state === 'stopped' && plan.result === 'success')).toBe(true);
    expect([...charges].sort(), 'each order charged once').toEqual(calls.map(([, o]) => o).sort());
  });

  it('the same caller-chosen id triggered in both at once plans once and charges once', async () => {
    const calls = Array.from(
      { length: 5 },
      (_, i) => [{ id: `order-${i}` }, `order-${i}`] as const,
    );
    const { a, b, stored } = await raceIn(makeStore(), calls);
    expect(stored.map((plan) => plan.id).sort()).toEqual(calls.map(([, o]) => o).sort());
    expect(b.map((plan) => [plan.id, plan.result])).toEqual(a.map((plan) => [plan.id, 'success']));
    expect([...charges].sort()).toEqual(calls.map(([, o]) => o).sort());
  });
});
