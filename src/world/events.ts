import { EventEmitter } from 'eventemitter3';
import { toError } from '../errors.js';
import type { PlanParent, PlanRecord, StepRecord } from '../plan/records.js';
import type { Phase, PlanResult, PlanState, StepState } from '../plan/states.js';
import type { StateChanges } from '../plan/transitions.js';
import type { Logger } from '../shared/logger.js';

/** Payload of `plan:state`. */
export interface PlanStateEvent {
  readonly planId: string;
  readonly state: PlanState;
  readonly result: PlanResult;
  /** Set for a sub-plan: the run step of the `SubPlansAction` that triggered it. */
  readonly parent?: PlanParent;
}

/** Payload of `step:state`. */
export interface StepStateEvent {
  readonly planId: string;
  readonly stepId: number;
  readonly actionId: number;
  readonly phase: Phase;
  readonly state: StepState;
}

/** Every event a world emits, by name. */
export interface WorldEventMap {
  /** A plan changed state (emitted once the change is stored). */
  'plan:state': PlanStateEvent;
  /** A step changed state (emitted once the change is stored). */
  'step:state': StepStateEvent;
}

/** A listener of one world event. */
export type WorldEventListener<K extends keyof WorldEventMap> = (event: WorldEventMap[K]) => void;

/**
 * The world's typed event hub. A listener that throws is logged, never allowed to break the engine.
 *
 * @internal
 */
export class EventHub {
  readonly #emitter = new EventEmitter();

  constructor(private readonly logger: Logger) {}

  on<K extends keyof WorldEventMap>(name: K, listener: WorldEventListener<K>): () => void {
    this.#emitter.on(name, listener);
    return () => {
      this.#emitter.off(name, listener);
    };
  }

  has(name: keyof WorldEventMap): boolean {
    return this.#emitter.listenerCount(name) > 0;
  }

  emit<K extends keyof WorldEventMap>(name: K, event: WorldEventMap[K]): void {
    for (const listener of this.#emitter.listeners(name) as WorldEventListener<K>[]) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error(`a "${name}" listener threw; the engine carries on`, {
          error: toError(error),
        });
      }
    }
  }

  /** A listener that holds state changes until {@link EventBuffer.flush}: after they are stored. */
  buffer(): EventBuffer {
    return new EventBuffer(this);
  }
}

/**
 * Collects state changes made before a write and emits them once the write is committed, so a
 * listener never hears of a state that is not yet durable.
 *
 * @internal
 */
export class EventBuffer implements StateChanges {
  #pending: (
    { name: 'plan:state'; event: PlanStateEvent } | { name: 'step:state'; event: StepStateEvent }
  )[] = [];

  constructor(private readonly hub: EventHub) {}

  step(planId: string, step: StepRecord): void {
    if (!this.hub.has('step:state')) return;
    this.#pending.push({
      name: 'step:state',
      event: {
        planId,
        stepId: step.id,
        actionId: step.actionId,
        phase: step.phase,
        state: step.state,
      },
    });
  }

  plan(plan: PlanRecord): void {
    this.#pending.push({
      name: 'plan:state',
      event:
        plan.parent === undefined
          ? { planId: plan.id, state: plan.state, result: plan.result }
          : { planId: plan.id, state: plan.state, result: plan.result, parent: plan.parent },
    });
  }

  flush(): void {
    if (this.#pending.length === 0) return;
    const pending = this.#pending;
    this.#pending = [];
    for (const entry of pending) {
      if (entry.name === 'plan:state') this.hub.emit('plan:state', entry.event);
      else this.hub.emit('step:state', entry.event);
    }
  }
}
