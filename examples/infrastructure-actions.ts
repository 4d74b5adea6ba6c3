/**
 * The actions of the infrastructure example (examples/infrastructure.ts, `npm run demo`): machines
 * created by a pretend cloud, composed into an infrastructure.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Action } from '../src/index.js';

/** How long our pretend cloud takes to create each kind of machine. */
export const PROVISIONING_MS: Record<string, number> = { db: 1200, storage: 800, web_server: 700 };

/** A stand-in for a real inventory (CMDB, DNS, …) that finalize steps register machines in. */
export const inventory: string[] = [];

/**
 * Creates one machine. Its input and output are plain JSON, persisted with the step, so a plan can be
 * inspected (or resumed) from the store alone.
 */
export class CreateMachine extends Action<
  { name: string; profile: string; dbId?: string },
  { id: string }
> {
  /**
   * The plan phase receives the arguments given to `planAction` / `trigger` and turns them into this
   * action's input. `planSelf` also places the action's run (and finalize) step in the flow, at the
   * point where the parent called `planAction`.
   */
  override plan(name: string, profile: string, deps: { dbId?: string } = {}): void {
    this.planSelf({ name, profile, ...deps });
  }

  /** The run phase does the work: read `this.input`, write `this.output`. */
  async run(): Promise<void> {
    await sleep(PROVISIONING_MS[this.input.profile] ?? 100);
    // host3's `dbId` arrives here as host1's real id, not as a reference.
    const uses = this.input.dbId === undefined ? '' : ` (uses database ${this.input.dbId})`;
    // The step's log is stored with the plan: `world.stepLog`, the console's step page.
    this.log.info(`${this.input.name} is up${uses}`);
    this.output.id = `${this.input.name}:${this.input.profile}`;
  }

  /**
   * The finalize phase runs once every run step of the plan succeeded, one action at a time, in the
   * order the actions were planned. A good place for local bookkeeping that should only happen when
   * the whole plan went through.
   */
  finalize(): void {
    inventory.push(`${this.input.name} (${this.input.profile}) = ${this.output.id}`);
  }
}

/** Composes machines into an infrastructure. It has no run of its own: only a plan. */
export class CreateInfrastructure extends Action {
  override plan(): void {
    this.sequence(() => {
      // Everything planned inside a concurrence may run at the same time.
      const [db] = this.concurrence(() => [
        this.planAction(CreateMachine, 'host1', 'db'),
        this.planAction(CreateMachine, 'host2', 'storage'),
      ]);
      // `db.output.id` is an output reference: typed as a string, stored as a pointer to host1's
      // output, and replaced by the real value just before host3 runs.
      this.planAction(CreateMachine, 'host3', 'web_server', { dbId: db.output.id });
    });
  }
}
