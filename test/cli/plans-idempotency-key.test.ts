/** `flowline plans --idempotency-key` on a real SQLite store. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionPlan } from '../../src/index.js';
import type { PlanSummary } from '../../src/cli/commands/plans.js';
import { Deploy } from './fixtures/actions.js';
import type { TestStore } from './helpers.js';
import { createStore, parseJson, runCli } from './helpers.js';

let store: TestStore;
let keyed: ExecutionPlan;

beforeAll(async () => {
  store = await createStore();
  await store.withWorld(async (world) => {
    keyed = await world.triggerWith({ idempotencyKey: 'deploy-42' }, Deploy).finished;
    await world.trigger(Deploy).finished;
  });
});

describe('flowline plans --idempotency-key', () => {
  it('lists only the plan triggered with that key, with its key', async () => {
    const result = await runCli([
      'plans',
      '--store',
      store.spec,
      '--json',
      '--idempotency-key',
      'deploy-42',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const plans = parseJson<PlanSummary[]>(result.stdout);
    expect(plans.map((plan) => [plan.id, plan.idempotencyKey])).toEqual([[keyed.id, 'deploy-42']]);
  });

  it('says so when no plan holds the key', async () => {
    const result = await runCli(['plans', '--store', store.spec, '--idempotency-key', 'nope']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('No execution plans match.\n');
  });
});
