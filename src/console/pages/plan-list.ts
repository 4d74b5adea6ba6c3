import type { Flash } from '../flash.js';
import type { SafeHtml } from '../html.js';
import { html } from '../html.js';
import { PlanResult, PlanState } from '../../plan/states.js';
import type { PlanPage, PlanQuery } from '../plan-query.js';
import { PAGE_SIZE, planQueryString } from '../plan-query.js';
import { SEARCH_WINDOW } from '../source.js';
import type { PageContext } from './layout.js';
import { layout } from './layout.js';
import { isActive, planTable } from './plan-table.js';

/** The plan list: filters, one page of plans, paging; refreshes while a listed plan runs. */
export function planListPage(
  ctx: PageContext,
  query: PlanQuery,
  page: PlanPage,
  flash?: Flash,
): SafeHtml {
  const { links } = ctx;
  const active = page.plans.some(isActive);
  const filtered =
    query.states.length > 0 ||
    query.results.length > 0 ||
    query.label !== undefined ||
    query.className !== undefined;
  return layout(ctx, {
    title: 'Plans',
    flash,
    refresh: active ? links.plans(planQueryString(query)) : undefined,
    body: html`<h1>Execution plans</h1>
      ${filterForm(ctx, query, filtered)}
      ${
        query.className !== undefined &&
        page.windowFull &&
        html`<p class="note">
          The action class filter searched the newest ${SEARCH_WINDOW} plans matching the other
          filters; older plans are not listed.
        </p>`
      }
      ${
        page.plans.length === 0
          ? html`<p class="empty muted">
              ${query.page > 1 ? 'No plans on this page.' : 'No plans match.'}
            </p>`
          : planTable(page.plans, links)
      }
      ${
        (query.page > 1 || page.hasNext) &&
        html`<nav class="pager" aria-label="pages">
          ${
            query.page > 1
              ? html`<a rel="prev" href="${links.plans(planQueryString(query, query.page - 1))}"
                  >← Newer</a
                >`
              : ''
          }
          <span>Page ${query.page} (${PAGE_SIZE} per page)</span>
          ${
            page.hasNext
              ? html`<a rel="next" href="${links.plans(planQueryString(query, query.page + 1))}"
                  >Older →</a
                >`
              : ''
          }
        </nav>`
      }
      ${active && html`<p class="muted">This page reloads every 2 seconds while a plan runs.</p>`}`,
  });
}

function filterForm(ctx: PageContext, query: PlanQuery, filtered: boolean): SafeHtml {
  const state = query.states.length === 1 ? query.states[0] : undefined;
  const result = query.results.length === 1 ? query.results[0] : undefined;
  return html`<form class="filters" method="get" action="${ctx.links.plans()}">
    <label
      >State
      <select name="state">
        <option value="">any</option>
        ${Object.values(PlanState).map(
          (value) =>
            html`<option value="${value}" ${value === state && html`selected`}>${value}</option>`,
        )}
      </select></label
    >
    <label
      >Result
      <select name="result">
        <option value="">any</option>
        ${Object.values(PlanResult).map(
          (value) =>
            html`<option value="${value}" ${value === result && html`selected`}>${value}</option>`,
        )}
      </select></label
    >
    <label
      >Label <input name="label" value="${query.label ?? ''}" placeholder="exact label"
    /></label>
    <label
      >Action class
      <input name="class" value="${query.className ?? ''}" placeholder="e.g. CreateMachine"
    /></label>
    <button type="submit">Filter</button>
    ${filtered && html`<a href="${ctx.links.plans()}">Clear</a>`}
  </form>`;
}
