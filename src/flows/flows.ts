import { randomUUID } from 'node:crypto';
import type { ActionClass } from '../action/types.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { JsonValue } from '../plan/records.js';
import { worldInternals } from '../world/internals.js';
import type { Triggered } from '../world/triggered.js';
import type { World } from '../world/world.js';
import { packagedStageActions } from './actions/index.js';
import { FlowRunAction } from './compile/flow-run.js';
import type { StagesSpec } from './compile/plan-stages.js';
import { parseFlow } from './definition/parse-flow.js';
import type { FlowDefinition } from './definition/types.js';
import { recordRun, runLabel, stageResult, toFlowRun } from './flow-runs.js';
import { FlowStore } from './flow-store.js';
import type {
  FlowMetrics,
  FlowRun,
  FlowRunFilter,
  FlowVersion,
  StageActionClass,
} from './flows-types.js';
import { bindToHost } from './runtime/binding.js';
import type { FlowsHost } from './runtime/binding.js';
import { RunMetricsBook } from './runtime/metrics.js';

/** Options of {@link Flows}. */
export interface FlowsOptions {
  /** The world flow runs are planned and executed in (its store keeps the flow definitions). */
  readonly world: World<object>;
  /** Your stage actions (`StageAction` subclasses), besides the packaged ones. */
  readonly actions?: readonly StageActionClass[];
}

/**
 * Declarative flows on a world (DESIGN.md §6): save YAML/JSON definitions, run them, read their
 * runs, stage results and metrics. A run is an ordinary execution plan (label `flow:<name>`): it
 * is stored, recovered after a crash and shown by the console and the CLI like any other.
 *
 * @example
 * ```ts
 * const flows = new Flows({ world, actions: [Enrich] });
 * await world.start();
 * await flows.save(yamlText);
 * const run = flows.trigger('Publish to Acme API', { email: 'a@b.c' });
 * const plan = await run.finished;
 * await flows.result(run.id, 'Enrich');
 * ```
 */
export class Flows {
  readonly #world: World<object>;
  readonly #store: FlowStore;
  readonly #classes = new Map<string, ActionClass>();
  readonly #userActions: readonly StageActionClass[];
  readonly #host: FlowsHost;
  readonly #metrics = new RunMetricsBook();
  /** Top-level runs triggered here and not stopped yet, and those stopped but not yet counted. */
  readonly #running = new Set<string>();
  readonly #ended: string[] = [];
  /** The version each flow's triggers run, as last saved or deployed here. */
  readonly #current = new Map<string, { version: number; definition: FlowDefinition }>();

  /**
   * Registers the flow runtime and the stage actions in the world.
   *
   * @throws FlowlineError `INVALID_ARGUMENT` for bad options, `FLOWS_UNSUPPORTED` when the world's
   *   store cannot keep flows, `DUPLICATE_ACTION_NAME` when two stage actions share a name
   */
  constructor(options: FlowsOptions) {
    if (typeof options !== 'object' || (options as unknown) === null) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        'new Flows: options must be { world, actions? }',
      );
    }
    const internals = worldInternals(options.world, 'new Flows');
    const actions: unknown = options.actions ?? [];
    if (!Array.isArray(actions) || actions.some((cls) => typeof cls !== 'function')) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        'new Flows: actions must be a list of StageAction classes',
      );
    }
    this.#world = options.world;
    this.#userActions = actions as StageActionClass[];
    this.#store = new FlowStore(internals.adapter, internals.clock);
    // One host for every bound class; its runClass is the bound root action, made with it.
    let runClass: ActionClass = FlowRunAction;
    this.#host = {
      clock: internals.clock,
      stageClass: (name) => this.#classes.get(name),
      get runClass() {
        return runClass;
      },
      definitionFor: (flow) => this.#definitionFor(flow),
      plan: (id) => this.#world.executionPlan(id),
    };
    runClass = bindToHost(FlowRunAction, FlowRunAction.actionName, this.#host);
    const packaged = new Set<string>();
    for (const cls of [...packagedStageActions, ...this.#userActions] as ActionClass[]) {
      const name = (cls as { actionName?: string }).actionName ?? cls.name;
      // A user's stage action may replace a packaged one of the same name (as parseFlow allows).
      if (this.#classes.has(name) && !packaged.delete(name)) {
        throw new FlowlineError(
          ErrorCode.DUPLICATE_ACTION_NAME,
          `new Flows: two stage actions are named "${name}"; give one a distinct static actionName`,
        );
      }
      if (!(this.#userActions as readonly ActionClass[]).includes(cls)) packaged.add(name);
      this.#classes.set(name, bindToHost(cls, name, this.#host));
    }
    options.world.register(runClass, ...this.#classes.values());
    options.world.on('plan:state', ({ planId, state }) => {
      if (state === 'stopped' && this.#running.delete(planId)) this.#ended.push(planId);
    });
  }

  /**
   * Validates a flow definition (YAML or JSON text, or an object) and stores it as the flow's
   * development version. Nothing is written when it is invalid.
   *
   * @param options - `fileName` names the source in error messages (`file:line:column`)
   * @throws FlowlineError `INVALID_FLOW_DEFINITION` with `details.violations`
   */
  async save(source: string | object, options: { fileName?: string } = {}): Promise<FlowVersion> {
    const definition = parseFlow(source, { ...options, actions: this.#userActions });
    const version = await this.#store.save(definition);
    this.#current.set(definition.name, { version: version.version, definition });
    return version;
  }

  /**
   * Makes the development version of a flow its production version.
   *
   * @throws FlowlineError `FLOW_NOT_FOUND` when it has no development version
   */
  async deploy(name: string): Promise<FlowVersion> {
    const version = await this.#store.deploy(name);
    this.#current.set(name, { version: version.version, definition: version.definition });
    return version;
  }

  /**
   * A version of a flow: the one at `stage`, or the one triggers run (production, else the latest
   * saved).
   */
  async get(name: string, stage?: FlowVersion['stage']): Promise<FlowVersion | undefined> {
    const versions = await this.#store.versions(name);
    if (stage !== undefined) return versions.findLast((version) => version.stage === stage);
    return versions.findLast((version) => version.stage === 'production') ?? versions.at(-1);
  }

  /** The latest version of every stored flow. */
  list(): Promise<FlowVersion[]> {
    return this.#store.latest();
  }

  /**
   * Starts a run of a flow with `input` as the entry stage's data. Synchronous like
   * `world.trigger`: the run's id is known at once. It runs the production version, or (until the
   * flow is deployed) the latest saved one.
   *
   * @returns the run's {@link Triggered}; `planned` and `finished` reject with `FLOW_NOT_FOUND`
   *   when no version of the flow is stored
   */
  trigger(name: string, input: JsonValue = null): Triggered {
    if (typeof name !== 'string' || name === '') {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        'flows.trigger: name must be a non-empty string',
      );
    }
    const current = this.#current.get(name);
    if (current !== undefined) return this.#start(randomUUID(), name, current, input);
    const id = randomUUID();
    const started = this.#definitionFor(name).then((found) => this.#start(id, name, found, input));
    const planned = started.then((run) => run.planned);
    const finished = started.then((run) => run.finished);
    // A caller may await only one of them: the other must not become an unhandled rejection.
    planned.catch(() => undefined);
    finished.catch(() => undefined);
    return { id, planned, finished };
  }

  /**
   * The runs of a flow (its top-level plans), newest first. `limit` and `offset` apply in the
   * store's order, before that sort.
   */
  async runs(name: string, filter: FlowRunFilter = {}): Promise<FlowRun[]> {
    const plans = await this.#world.executionPlans({ ...filter, label: runLabel(name) });
    const runs = plans.flatMap((plan) => toFlowRun(plan) ?? []);
    // Newest first; runs not started yet (no startedAt) before them.
    return runs.sort((a, b) => (b.startedAt ?? '\uffff').localeCompare(a.startedAt ?? '\uffff'));
  }

  /**
   * One stage's output in a run (`undefined` when a `Filter` skipped it); for a stage run per item
   * of a `Map`, the list of its item outputs.
   *
   * @throws FlowlineError `PLAN_NOT_FOUND` or `STAGE_NOT_FOUND`
   */
  result(runId: string, stage: string): Promise<JsonValue | undefined> {
    return stageResult(this.#world, runId, stage);
  }

  /**
   * Runs, failures and duration percentiles of a flow and of each of its stages, for the runs this
   * `Flows` triggered that have stopped.
   */
  async metrics(name: string): Promise<FlowMetrics> {
    const ended = this.#ended.splice(0);
    for (const id of ended) {
      const plan = await this.#world.executionPlan(id);
      if (plan !== undefined) recordRun(this.#metrics, plan);
    }
    return this.#metrics.metrics(name);
  }

  #start(
    id: string,
    name: string,
    found: { version: number; definition: FlowDefinition },
    input: JsonValue,
  ): Triggered {
    const spec: StagesSpec = {
      flow: name,
      version: found.version,
      stages: found.definition.stages,
      input,
    };
    this.#running.add(id);
    return this.#world.triggerWith({ id, label: runLabel(name) }, this.#host.runClass, spec);
  }

  async #definitionFor(name: string): Promise<{ version: number; definition: FlowDefinition }> {
    const cached = this.#current.get(name);
    if (cached !== undefined) return cached;
    const version = await this.get(name);
    if (version === undefined) {
      throw new FlowlineError(ErrorCode.FLOW_NOT_FOUND, `flow "${name}" has not been saved`, {
        details: { flow: name },
      });
    }
    const found = { version: version.version, definition: version.definition };
    this.#current.set(name, found);
    return found;
  }
}
