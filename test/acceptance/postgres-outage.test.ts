/**
 * Defect: PostgreSQL stopped for a few seconds stranded running plans (every `finished` rejected,
 * the plans stayed `running` until a restart). Here a private server is really stopped while a
 * step finishes and started again: the world keeps its plans and carries on, in the same process.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Action, World } from '../../src/index.js';
import { PostgresAdapter } from '../../src/persistence/postgres/index.js';
import type { PrivatePostgres } from '../helpers/private-postgres.js';
import { privatePostgres } from '../helpers/private-postgres.js';
import { deferred, nextEvent, stallWatcher, stepOf } from '../helpers/world.js';

let server: PrivatePostgres;
beforeAll(async () => {
  server = await privatePostgres();
}, 60_000);
afterAll(async () => {
  await server.remove();
}, 60_000);

let gate = deferred();

class Before extends Action {
  run() {}
}
class Waits extends Action {
  static override readonly idempotent = true;
  async run() {
    await gate.promise;
  }
}
class After extends Action {
  run() {}
}
class Flow extends Action {
  override plan() {
    this.sequence(() => {
      this.planAction(Before);
      this.planAction(Waits);
      this.planAction(After);
    });
  }
}

it('the server stopped while a step ends and started again: the plan finishes in the same process', async () => {
  const logger = stallWatcher();
  const world = new World({
    adapter: new PostgresAdapter({ connectionString: server.url, schema: 'outage' }),
    actions: [Before, Waits, After, Flow],
    logger,
    // Few storage retries: the outage reaches the executor at once (on the real clock).
    storageRetry: { retries: 1, minDelayMs: 20 },
  });
  await world.start();
  try {
    const running = nextEvent(
      world,
      'step:state',
      (e) => e.phase === 'run' && e.stepId === 5 && e.state === 'running',
    );
    const triggered = world.trigger(Flow);
    await running;
    await server.stop();
    const progress = { settled: false };
    void triggered.finished.then(
      () => (progress.settled = true),
      () => (progress.settled = true),
    );
    gate.resolve();
    await logger.stalled;
    expect(progress.settled).toBe(false);
    await server.start();
    // The world tries the plan again on its own (backoff up to 5 s): nothing to do but wait.
    const plan = await triggered.finished;
    expect([plan.state, plan.result]).toEqual(['stopped', 'success']);
    expect(stepOf(plan, 'After', 'run').state).toBe('success');
  } finally {
    gate = deferred();
    await world.close();
  }
}, 60_000);
