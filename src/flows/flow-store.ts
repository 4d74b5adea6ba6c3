import { ErrorCode, FlowlineError } from '../errors.js';
import type { FlowVersionRecord, PersistenceAdapter } from '../persistence/adapter.js';
import type { JsonObject } from '../plan/records.js';
import type { Clock } from '../shared/clock.js';
import { isoNow } from '../shared/clock.js';
import type { FlowDefinition } from './definition/types.js';
import type { FlowVersion } from './flows-types.js';

/** The adapter methods flows need (optional in the adapter interface). */
type FlowStorage = Required<Pick<PersistenceAdapter, 'saveFlowVersions' | 'findFlowVersions'>>;

/**
 * Flow versions in the world's store: the development version (editable) and the production one
 * (what `trigger` runs, once deployed), earlier ones retired.
 *
 * @internal
 */
export class FlowStore {
  readonly #storage: FlowStorage;
  readonly #clock: Clock;

  /**
   * @throws FlowlineError `FLOWS_UNSUPPORTED` when the adapter cannot keep flow versions
   */
  constructor(adapter: PersistenceAdapter, clock: Clock) {
    if (
      typeof adapter.saveFlowVersions !== 'function' ||
      typeof adapter.findFlowVersions !== 'function'
    ) {
      throw new FlowlineError(
        ErrorCode.FLOWS_UNSUPPORTED,
        "new Flows: the world's store cannot keep flow definitions: its adapter has no " +
          'saveFlowVersions / findFlowVersions (see docs/adapters.md)',
      );
    }
    this.#storage = {
      saveFlowVersions: (records) =>
        (adapter.saveFlowVersions as FlowStorage['saveFlowVersions'])(records),
      findFlowVersions: (filter) =>
        (adapter.findFlowVersions as FlowStorage['findFlowVersions'])(filter),
    };
    this.#clock = clock;
  }

  /** Every stored version of a flow, oldest first; unreadable ones are an error naming them. */
  async versions(name: string): Promise<FlowVersion[]> {
    const records = await this.#storage.findFlowVersions({ name });
    return records.map((record) => toVersion(record));
  }

  /** The latest version of each flow. */
  async latest(): Promise<FlowVersion[]> {
    const records = await this.#storage.findFlowVersions();
    const byName = new Map<string, FlowVersionRecord>();
    for (const record of records) {
      if (record.invalid !== undefined) continue;
      byName.set(record.name, record);
    }
    return [...byName.values()].map((record) => toVersion(record));
  }

  /**
   * Stores a definition as the flow's development version: replaces the current development
   * version, or adds one after the latest.
   */
  async save(definition: FlowDefinition): Promise<FlowVersion> {
    const versions = await this.versions(definition.name);
    const development = versions.find((version) => version.stage === 'development');
    const record: FlowVersionRecord = {
      name: definition.name,
      version: development?.version ?? (versions.at(-1)?.version ?? 0) + 1,
      stage: 'development',
      definition: definition as unknown as JsonObject,
      createdAt: isoNow(this.#clock),
    };
    await this.#storage.saveFlowVersions([record]);
    return toVersion(record);
  }

  /**
   * Makes the development version the production one (the previous production version is
   * retired), in one write.
   *
   * @throws FlowlineError `FLOW_NOT_FOUND` when the flow has no development version
   */
  async deploy(name: string): Promise<FlowVersion> {
    const versions = await this.versions(name);
    const development = versions.find((version) => version.stage === 'development');
    if (development === undefined) {
      throw new FlowlineError(
        ErrorCode.FLOW_NOT_FOUND,
        versions.length === 0
          ? `flow "${name}" has not been saved`
          : `flow "${name}" has no development version to deploy (save a change first)`,
        { details: { flow: name } },
      );
    }
    const now = isoNow(this.#clock);
    const writes: FlowVersionRecord[] = versions
      .filter((version) => version.stage === 'production')
      .map((version) => ({ ...toRecord(version), stage: 'retired' }));
    const deployed: FlowVersionRecord = {
      ...toRecord(development),
      stage: 'production',
      deployedAt: now,
    };
    await this.#storage.saveFlowVersions([...writes, deployed]);
    return toVersion(deployed);
  }
}

function toRecord(version: FlowVersion): FlowVersionRecord {
  return { ...version, definition: version.definition as unknown as JsonObject };
}

function toVersion(record: FlowVersionRecord): FlowVersion {
  if (record.invalid !== undefined) {
    throw new FlowlineError(
      ErrorCode.STORAGE_ERROR,
      `version ${record.version} of flow "${record.name}" cannot be read: ${record.invalid.message}`,
      { details: { flow: record.name } },
    );
  }
  const version: FlowVersion = {
    name: record.name,
    version: record.version,
    stage: record.stage,
    definition: record.definition as unknown as FlowDefinition,
    createdAt: record.createdAt,
  };
  return record.deployedAt === undefined ? version : { ...version, deployedAt: record.deployedAt };
}
