import type { ExecutionPlan, StepRecord } from '../../plan/records.js';
import type { Flash } from '../flash.js';
import { badge, duration, elapsedMs, facts, progressBar, time } from '../format.js';
import type { SafeHtml } from '../html.js';
import { html } from '../html.js';
import type { ChainedPlans, LinkedPlan, UnreadablePlan } from '../source.js';
import { flowGraph, legend } from './flow-graph.js';
import type { PageContext } from './layout.js';
import { layout } from './layout.js';
import { planOperations, skipForm } from './operation-forms.js';
import { isActive, planTable } from './plan-table.js';

/** Everything the plan page shows. */
export interface PlanDetail {
  readonly plan: ExecutionPlan;
  readonly subPlans: readonly ExecutionPlan[];
  readonly chained: ChainedPlans;
}

/** The plan page: summary, operations, run and finalize flows, steps, history, related plans. */
export function planDetailPage(ctx: PageContext, detail: PlanDetail, flash?: Flash): SafeHtml {
  const { plan } = detail;
  const { links } = ctx;
  const root = plan.actions[plan.rootActionId - 1];
  const failed = plan.steps.filter((step) => step.state === 'error');
  return layout(ctx, {
    title: `${plan.label} (${plan.state})`,
    flash,
    refresh: isActive(plan) ? links.plan(plan.id) : undefined,
    body: html`<p class="muted"><a href="${links.plans()}">Plans</a> /</p>
      <h1>${plan.label} ${badge('state', plan.state)} ${badge('result', plan.result)}</h1>
      ${
        plan.invalid !== undefined &&
        html`<p class="invalid" role="alert">
          This plan cannot be executed here: <strong>${plan.invalid.code}</strong> —
          ${plan.invalid.message}
        </p>`
      }
      ${facts([
        ['Id', html`<span class="mono">${plan.id}</span>`],
        ['Label', plan.label],
        [
          'Idempotency key',
          plan.idempotencyKey === undefined
            ? undefined
            : html`<span class="mono">${plan.idempotencyKey}</span>`,
        ],
        ['State', badge('state', plan.state)],
        ['Result', badge('result', plan.result)],
        ['Progress', progressBar(plan.progress, 'plan progress')],
        ['Root action', root === undefined ? undefined : root.className],
        [
          'Parent',
          plan.parent === undefined
            ? undefined
            : html`<a class="mono" href="${links.step(plan.parent.planId, plan.parent.stepId)}"
                >${plan.parent.planId} step ${plan.parent.stepId}</a
              >`,
        ],
        ['Started', time(plan.startedAt)],
        ['Ended', time(plan.endedAt)],
        ['Duration', duration(elapsedMs(plan.startedAt, plan.endedAt))],
        ['Steps', stepCounts(plan.steps)],
      ])}
      ${planOperations(ctx, plan)}
      <section>
        <h2>Run flow</h2>
        <div class="graph" id="run-flow">
          ${
            plan.runFlow.flows.length === 0
              ? html`<p class="muted">No run steps.</p>`
              : flowGraph(plan.runFlow, plan.steps, plan.id, links)
          }
        </div>
        ${legend()}
      </section>
      <section>
        <h2>Finalize flow</h2>
        <div class="graph" id="finalize-flow">
          ${
            plan.finalizeFlow.flows.length === 0
              ? html`<p class="muted">No finalize steps.</p>`
              : flowGraph(plan.finalizeFlow, plan.steps, plan.id, links)
          }
        </div>
      </section>
      ${
        plan.compensateFlow !== undefined &&
        html`<section>
          <h2>Compensate flow</h2>
          <p class="muted">The plan is being rolled back: latest completed run step first.</p>
          <div class="graph" id="compensate-flow">
            ${
              plan.compensateFlow.flows.length === 0
                ? html`<p class="muted">No action to compensate.</p>`
                : flowGraph(plan.compensateFlow, plan.steps, plan.id, links)
            }
          </div>
        </section>`
      }
      ${
        failed.length > 0 &&
        html`<section>
          <h2>Failed steps</h2>
          <table class="failed-steps">
            <thead>
              <tr>
                <th>Step</th>
                <th>Phase</th>
                <th>Class</th>
                <th>Error</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${failed.map(
                (step) =>
                  html`<tr>
                    <td><a href="${links.step(plan.id, step.id)}">#${step.id}</a></td>
                    <td>${step.phase}</td>
                    <td>${step.className}</td>
                    <td>
                      ${step.error === undefined ? '' : `${step.error.className}: ${step.error.message}`}
                    </td>
                    <td>${skipForm(ctx, plan, step, 'plan')}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </section>`
      }
      <section>
        <h2>Steps</h2>
        ${stepTable(ctx, plan)}
      </section>
      <section>
        <h2>History</h2>
        ${
          plan.history.length === 0
            ? html`<p class="muted">Nothing yet.</p>`
            : html`<table class="history">
                <thead>
                  <tr>
                    <th>At</th>
                    <th>Event</th>
                    <th>World</th>
                  </tr>
                </thead>
                <tbody>
                  ${plan.history.map(
                    (entry) =>
                      html`<tr>
                        <td>${time(entry.at)}</td>
                        <td>${entry.event}</td>
                        <td class="mono">${entry.worldId}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
      </section>
      ${chainedSection(ctx, detail.chained)}
      <section class="sub-plans">
        <h2>Sub-plans</h2>
        ${
          detail.subPlans.length === 0
            ? html`<p class="muted">None.</p>`
            : planTable(detail.subPlans, links)
        }
      </section>`,
  });
}

/** The page of a plan whose stored records cannot be read. */
export function unreadablePlanPage(ctx: PageContext, id: string, error: UnreadablePlan): SafeHtml {
  const summary = error.summary;
  return layout(ctx, {
    title: `Plan ${id} (unreadable)`,
    body: html`<p class="muted"><a href="${ctx.links.plans()}">Plans</a> /</p>
      <h1>${summary?.label ?? id} ${summary !== undefined && badge('state', summary.state)}</h1>
      <p class="invalid" role="alert">
        This plan cannot be loaded: <strong>${error.code}</strong> — ${error.message}
      </p>
      ${
        summary !== undefined &&
        facts([
          ['Id', html`<span class="mono">${summary.id}</span>`],
          ['Label', summary.label],
          ['State', badge('state', summary.state)],
          ['Result', badge('result', summary.result)],
          ['Started', time(summary.startedAt)],
          ['Ended', time(summary.endedAt)],
        ])
      }`,
  });
}

function stepCounts(steps: readonly StepRecord[]): string {
  const count = (phase: StepRecord['phase']): number =>
    steps.filter((step) => step.phase === phase).length;
  return `${steps.length} (${count('plan')} plan, ${count('run')} run, ${count('finalize')} finalize)`;
}

function stepTable(ctx: PageContext, plan: ExecutionPlan): SafeHtml {
  if (plan.steps.length === 0) return html`<p class="muted">No steps.</p>`;
  return html`<table class="steps">
    <thead>
      <tr>
        <th>Step</th>
        <th>Phase</th>
        <th>Class</th>
        <th>State</th>
        <th>Progress</th>
        <th>Started</th>
        <th>Duration</th>
      </tr>
    </thead>
    <tbody>
      ${plan.steps.map(
        (step) =>
          html`<tr data-row-step-id="${step.id}">
            <td><a href="${ctx.links.step(plan.id, step.id)}">#${step.id}</a></td>
            <td>${step.phase}</td>
            <td>${step.className}</td>
            <td><span class="badge state-${step.state}">${step.state}</span></td>
            <td>${progressBar(step.progress, `progress of step ${step.id}`)}</td>
            <td>${time(step.startedAt)}</td>
            <td>${duration(elapsedMs(step.startedAt, step.endedAt))}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function chainedSection(ctx: PageContext, chained: ChainedPlans): SafeHtml {
  return html`<section class="chained">
    <h2>Chained plans</h2>
    ${
      chained.waitsFor.length === 0 && chained.waitedForBy.length === 0
        ? html`<p class="muted">None.</p>`
        : html`${linkedList(ctx, 'Waits for', chained.waitsFor)}${linkedList(ctx, 'Waited for by', chained.waitedForBy)}`
    }
  </section>`;
}

function linkedList(ctx: PageContext, title: string, plans: readonly LinkedPlan[]): SafeHtml {
  if (plans.length === 0) return html``;
  return html`<h3>${title}</h3>
    <ul class="linked-plans">
      ${plans.map(
        (linked) =>
          html`<li>
            <a class="mono" href="${ctx.links.plan(linked.id)}">${linked.id}</a>
            ${
              linked.plan === undefined
                ? html`<span class="muted">(not found)</span>`
                : html`${linked.plan.label} ${badge('state', linked.plan.state)}
                  ${badge('result', linked.plan.result)}`
            }
          </li>`,
      )}
    </ul>`;
}
