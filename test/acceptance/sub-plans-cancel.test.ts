import { describe, expect, it } from 'vitest';
import { Action, SubPlansAction } from '../../src/index.js';
import type { Deferred } from '../helpers/world.js';
import { Probe, deferred, withWorld } from '../helpers/world.js';

const gates: Deferred<void>[] = [];
const probe = new Probe();
let started = 0;

class Update extends Action<{ host: string }> {
  override plan(host: string) {
    this.planSelf({ host });
  }
  async run() {
    started++;
    const gate = deferred();
    gates.push(gate);
    probe.poke();
    await gate.promise;
  }
}

class Fleet extends SubPlansAction<{ hosts: string[] }> {
  override concurrencyLimit = 2;
  override plan(hosts: string[]) {
    this.planSelf({ hosts });
  }
  createSubPlans() {
    return this.input.hosts.map((host) => this.triggerChild(Update, host));
  }
}

describe('cancelling a plan with sub-plans', () => {
  it('cancels the parent and every sub-plan still going; waiting ones never start', async () => {
    await withWorld({ actions: [Update, Fleet] }, async (world) => {
      const triggered = world.trigger(Fleet, ['a', 'b', 'c', 'd', 'e']);
      await probe.until(() => gates.length === 2);
      const cancelling = world.cancel(triggered.id);
      // The two running sub-plans are not cancellable: they finish once released.
      await probe.until(() => gates.length === 2);
      for (const gate of gates) gate.resolve();
      await cancelling;

      const parent = await world.executionPlan(triggered.id);
      expect(parent?.state).toBe('stopped');
      expect(parent?.result).toBe('cancelled');
      const children = await world.subPlans(triggered.id);
      expect(children).toHaveLength(5);
      expect(children.every((child) => child.state === 'stopped')).toBe(true);
      expect(children.filter((child) => child.result === 'cancelled')).toHaveLength(3);
      expect(started).toBe(2);
    });
  });
});
