/**
 * Delayed and chained plans, and a singleton action.
 *
 * 1. `world.delay(Action, { startAt, startBefore? }, ...args)` stores a plan in state `scheduled`;
 *    an executor world plans and runs it when its clock reaches `startAt`. Missing the window
 *    (`startBefore`) ends it `stopped`/`error` with EXECUTION_WINDOW_MISSED instead.
 * 2. `world.chain(prerequisiteIds, Action, ...args)` stores a plan that starts once every
 *    prerequisite is stopped, and ends `stopped`/`error` with PREREQUISITE_FAILED if one of them
 *    failed.
 * 3. `static override singleton = true`: while one plan of the class is active, another is refused with
 *    SINGLETON_ACTIVE.
 *
 * The example drives time with the ManagedClock of `flowline/testing`, so it finishes at once;
 * with the default clock the same code waits for real time. Run it with
 * `npx tsx examples/delay-and-chain.ts`.
 */
import type { ExecutionPlan } from '../src/index.js';
import { Action, MemoryAdapter, World, silentLogger } from '../src/index.js';
import { ManagedClock } from '../src/testing/managed-clock.js';

const HOUR = 3_600_000;

class BackupDatabase extends Action<{ database: string }, { file: string }> {
  /** Two backups of the same kind never run at once. */
  static override singleton = true;

  override plan(database: string): void {
    this.planSelf({ database });
  }

  run(): void {
    this.output.file = `/backups/${this.input.database}.dump`;
    console.log(`    backed up ${this.input.database} to ${this.output.file}`);
  }
}

class PruneOldBackups extends Action<{ keep: number }> {
  override plan(keep: number): void {
    this.planSelf({ keep });
  }

  run(): void {
    console.log(`    pruned backups, kept the last ${this.input.keep}`);
  }
}

class Migrate extends Action {
  run(): void {
    throw new Error('column "email" already exists');
  }

  override rescueStrategy(): 'fail' {
    return 'fail';
  }
}

function describe(plan: ExecutionPlan | undefined): string {
  if (plan === undefined) return '(gone)';
  const error = plan.steps.find((step) => step.error !== undefined)?.error;
  return `${plan.label}: ${plan.state}/${plan.result}${error ? ` (${error.code ?? error.message})` : ''}`;
}

async function main(): Promise<void> {
  const clock = new ManagedClock(Date.UTC(2026, 0, 1, 0, 0));
  // One store shared by the worlds below; in production a SQLite file or PostgreSQL.
  const store = new MemoryAdapter();
  const actions = [BackupDatabase, PruneOldBackups, Migrate];
  const world = new World({ adapter: store, clock, logger: silentLogger, actions });
  await world.start();
  try {
    console.log('1. A backup delayed to 02:00, allowed to start until 03:00');
    const backup = await world.delay(
      BackupDatabase,
      { startAt: '2026-01-01T02:00:00Z', startBefore: '2026-01-01T03:00:00Z' },
      'orders',
    );
    console.log(`   now: ${describe(backup)}`);

    console.log('2. Pruning chained to the backup: it waits for the backup to stop');
    const prune = await world.chain([backup.id], PruneOldBackups, 7);
    console.log(`   now: ${describe(prune)}`);

    await clock.advance(2 * HOUR - 1);
    console.log(`   01:59:59.999 → ${describe(await world.executionPlan(backup.id))}`);
    await clock.advance(1); // 02:00: the backup starts, and once it stopped, the pruning
    await waitUntilStopped(world, prune.id);
    console.log(`   02:00 → ${describe(await world.executionPlan(backup.id))}`);
    console.log(`          ${describe(await world.executionPlan(prune.id))}`);

    console.log('3. A chain after a failed migration does not run');
    const migration = world.trigger(Migrate);
    await migration.planned;
    const after = await world.chain(migration.id, BackupDatabase, 'users');
    await migration.finished;
    await waitUntilStopped(world, after.id);
    console.log(`   ${describe(await world.executionPlan(migration.id))}`);
    console.log(`   ${describe(await world.executionPlan(after.id))}`);

    console.log('4. A singleton holds its lock from planning until it stops');
    const first = await world.plan(BackupDatabase, 'orders'); // planned, not yet executed
    const second = await world.trigger(BackupDatabase, 'orders').finished;
    console.log(`   second, while the first is active: ${describe(second)}`);
    console.log(`   first, executed: ${describe(await world.execute(first.id))}`);
    const third = await world.trigger(BackupDatabase, 'orders').finished;
    console.log(`   third, after the first stopped: ${describe(third)}`);
  } finally {
    await world.close();
  }

  console.log('5. A delayed plan whose window passed while no executor world was running');
  // A client-only world (think: a web server) stores plans but never starts them.
  const client = new World({
    adapter: store,
    clock,
    logger: silentLogger,
    executor: false,
    actions,
  });
  await client.start();
  const missed = await client.delay(
    BackupDatabase,
    { startAt: clock.now() + HOUR, startBefore: clock.now() + HOUR + 60_000 },
    'reports',
  );
  console.log(`   stored: ${describe(missed)}`);
  await clock.advance(2 * HOUR);
  await client.close();
  // The executor world comes back two hours later: too late for the one-minute window.
  const restarted = new World({ adapter: store, clock, logger: silentLogger, actions });
  await restarted.start();
  try {
    await waitUntilStopped(restarted, missed.id);
    console.log(`   after the restart: ${describe(await restarted.executionPlan(missed.id))}`);
  } finally {
    await restarted.close();
  }
}

/** Resolves once the plan is stopped (driven by plan:state events). */
async function waitUntilStopped(world: World, id: string): Promise<void> {
  const stopped = new Promise<void>((resolve) => {
    const off = world.on('plan:state', (event) => {
      if (event.planId === id && event.state === 'stopped') {
        off();
        resolve();
      }
    });
  });
  if ((await world.executionPlan(id))?.state === 'stopped') return;
  await stopped;
}

await main();
