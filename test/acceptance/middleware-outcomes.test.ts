/**
 * `isSuspension(value)`: a middleware around `run` tells a `next()` that ended in a suspension (the
 * step waits for an event) from one that failed, as the timing middleware of the guide does.
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue, Middleware } from '../../src/index.js';
import { Action, isSuspension, silentLogger } from '../../src/index.js';
import { nextEvent, withWorld } from '../helpers/world.js';

describe('a middleware tells a suspension from a failure', () => {
  it('next() ending in suspend() is a suspension, a throw is a failure, a return is done', async () => {
    const outcomes: string[] = [];
    const timing: Middleware = {
      name: 'timing',
      async run(next, event) {
        try {
          await next(event);
          outcomes.push('done');
        } catch (error) {
          outcomes.push(isSuspension(error) ? 'suspended' : 'failed');
          throw error;
        }
      },
    };
    class AwaitsCarrier extends Action {
      static override middleware = Action.middleware.use(timing);
      run(event?: JsonValue) {
        if (event === undefined) this.suspend();
      }
    }
    class CarrierDown extends Action {
      static override middleware = Action.middleware.use(timing);
      run() {
        throw new Error('carrier said no');
      }
    }
    await withWorld(
      { actions: [AwaitsCarrier, CarrierDown], logger: silentLogger },
      async (world) => {
        const suspended = nextEvent(world, 'step:state', (event) => event.state === 'suspended');
        const triggered = world.trigger(AwaitsCarrier);
        const { stepId } = await suspended;
        await world.event(triggered.id, stepId, { shipped: true });
        expect((await triggered.finished).result).toBe('success');
        expect((await world.trigger(CarrierDown).finished).state).toBe('paused');
      },
    );
    expect(outcomes).toEqual(['suspended', 'done', 'failed']);
  });

  it('isSuspension is false for anything else, even values that throw when inspected', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const value of [new Error('x'), null, undefined, 'suspended', {}, proxy]) {
      expect(isSuspension(value)).toBe(false);
    }
  });
});
