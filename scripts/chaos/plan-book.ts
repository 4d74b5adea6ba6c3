/**
 * The parent's book of plan numbers: which are done (the world accepted or stored a plan for
 * them), which a dead life triggered without knowing (looked up in the store, and triggered again
 * when missing), where the next life starts, and how much work is left to pace the kills by.
 */
import type { ChaosOptions } from './options.js';
import { journalLinesOf, planShape } from './plan-shapes.js';
import { withStore } from './store-reads.js';
import type { ChaosStore } from './stores.js';

/** The plans a run still has to trigger, and what the kills are paced by. */
export class PlanBook {
  /** Journal lines a plan writes when nothing interrupts it, by plan number. */
  readonly #lines: number[];
  /** Plan numbers with a plan the world accepted or stored. */
  readonly #done = new Set<number>();
  /** Plan numbers triggered in a life that died before knowing whether the world had it. */
  readonly #unsure = new Map<number, string[]>();
  /** The first plan number no life has triggered yet. */
  next = 0;

  constructor(options: ChaosOptions) {
    this.#lines = Array.from({ length: options.plans }, (_, n) =>
      journalLinesOf(planShape(options.seed, n)),
    );
  }

  /** Takes in a life's journal lines. */
  see(kind: string, fields: readonly string[]): void {
    const n = Number(fields[0]);
    const id = fields[1] ?? '';
    if (kind === 'trigger') {
      this.next = Math.max(this.next, n + 1);
      if (!this.#done.has(n)) this.#unsure.set(n, [...(this.#unsure.get(n) ?? []), id]);
    } else if (kind === 'planned') {
      this.#done.add(n);
      this.#unsure.delete(n);
    }
  }

  /**
   * After a life died: the plan numbers it triggered without knowing whether the world accepted
   * them, looked up in the store; those it does not hold are triggered again by the next life (as
   * an application with an outbox would).
   */
  async settle(store: ChaosStore): Promise<void> {
    if (this.#unsure.size === 0) return;
    const unsure = this.#unsure;
    await withStore(store.spec, async (adapter) => {
      for (const [n, ids] of unsure) {
        for (const id of ids) {
          if ((await adapter.loadPlan(id)) !== undefined) this.#done.add(n);
        }
      }
    });
    for (const n of unsure.keys()) if (this.#done.has(n)) unsure.delete(n);
  }

  /** Numbers to trigger again. */
  get retry(): number[] {
    return [...this.#unsure.keys()];
  }

  /** Journal lines of the plans still to run. */
  get remainingLines(): number {
    let lines = 0;
    for (let n = this.next; n < this.#lines.length; n++) lines += this.#lines[n] ?? 0;
    for (const n of this.#unsure.keys()) lines += this.#lines[n] ?? 0;
    return lines;
  }
}
