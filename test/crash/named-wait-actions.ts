/** The action of the named-wait crash test, shared by the worker it kills and the test. */
import type { JsonValue } from '../../src/index.js';
import { Action } from '../../src/index.js';

/** Waits for the carrier's shipment notice by name, for at most an hour. */
export class AwaitCarrier extends Action<{ order: string }, { tracking?: string; late?: true }> {
  run(event?: JsonValue) {
    if (event === undefined) this.suspend({ waitFor: 'carrier.shipped', timeoutMs: 3_600_000 });
    if (Action.isTimeout(event)) {
      this.output.late = true;
      return;
    }
    this.output.tracking = (event as { tracking: string }).tracking;
  }
}
