// Test helper until the adapters keep flow versions themselves.
import { MemoryAdapter } from '../../src/index.js';
import type { FlowVersionFilter, FlowVersionRecord } from '../../src/persistence/adapter.js';

export class FlowMemoryAdapter extends MemoryAdapter {
  readonly #versions = new Map<string, FlowVersionRecord>();
  async saveFlowVersions(records: readonly FlowVersionRecord[]): Promise<void> {
    for (const r of records) this.#versions.set(`${r.name}\u0000${r.version}`, structuredClone(r));
  }
  async findFlowVersions(filter: FlowVersionFilter = {}): Promise<FlowVersionRecord[]> {
    return [...this.#versions.values()]
      .filter(
        (r) =>
          (filter.name === undefined || r.name === filter.name) &&
          (filter.stage === undefined || r.stage === filter.stage),
      )
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version - b.version))
      .map((r) => structuredClone(r));
  }
}
