/**
 * Defect: every resume or recovery of a plan with a suspended step logged "step N of plan … was
 * claimed elsewhere; not running it here", although no other world was involved: the suspended
 * step was both woken (right) and scheduled to run as a ready step (wrong).
 */
import { expect, it } from 'vitest';
import { Action } from '../../src/index.js';
import { recordingLogger, withWorld } from '../helpers/world.js';

class Waits extends Action<object, { got?: string }> {
  run(event?: { say: string }) {
    if (event === undefined) this.suspend();
    this.output.got = event.say;
  }
}

it('resuming a paused plan whose step is suspended wakes it, with no "claimed elsewhere" warning', async () => {
  const logger = recordingLogger();
  await withWorld({ actions: [Waits], logger }, async (world) => {
    const triggered = world.trigger(Waits);
    const suspended = new Promise<number>((resolve) => {
      world.on('step:state', (event) => {
        if (event.planId === triggered.id && event.state === 'suspended') resolve(event.stepId);
      });
    });
    const stepId = await suspended;
    await world.pause(triggered.id);
    const resumed = world.resume(triggered.id);
    await world.event(triggered.id, stepId, { say: 'hello' });
    const plan = await resumed;
    expect([plan.state, plan.result]).toEqual(['stopped', 'success']);
    expect(plan.actions[0]?.output).toEqual({ got: 'hello' });
  });
  expect(logger.entries.filter((e) => /claimed elsewhere/.test(e.message))).toEqual([]);
});
