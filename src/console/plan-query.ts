/** The plan list's query string: parsing, validation, and the page of plans it selects. */
import type { PlanFilter } from '../persistence/adapter.js';
import type { ExecutionPlan } from '../plan/records.js';
import { PlanResult, PlanState } from '../plan/states.js';
import { BadRequest } from './request.js';
import type { ConsoleSource } from './source.js';
import { SEARCH_WINDOW } from './source.js';

/** Plans per page of the list. */
export const PAGE_SIZE = 25;
/** Longest label or class name accepted as a filter. */
const MAX_TEXT = 200;
/** Highest page number accepted (a bigger one is certainly a mistake). */
const MAX_PAGE = 100_000;

/** The plan list's filters and page, validated. */
export interface PlanQuery {
  readonly states: readonly PlanState[];
  readonly results: readonly PlanResult[];
  readonly label: string | undefined;
  /** Only plans with an action of this class. */
  readonly className: string | undefined;
  /** 1-based. */
  readonly page: number;
}

/** One page of the plan list. */
export interface PlanPage {
  readonly plans: readonly ExecutionPlan[];
  readonly hasNext: boolean;
  /**
   * With a class filter: set when the plans searched were cut at {@link SEARCH_WINDOW} (the newest
   * that match the other filters), so older matches may be missing.
   */
  readonly windowFull: boolean;
}

const STATES = new Set<string>(Object.values(PlanState));
const RESULTS = new Set<string>(Object.values(PlanResult));

/**
 * Reads the plan list's query. Empty values are ignored; unknown parameters are ignored.
 *
 * @throws BadRequest 400 naming the bad parameter: an unknown state or result, a page that is not
 *   a positive integer, a label or class longer than 200 characters
 */
export function parsePlanQuery(query: URLSearchParams): PlanQuery {
  const states = values(query, 'state').map((state) => {
    if (!STATES.has(state)) throw bad('state', state, [...STATES]);
    return state as PlanState;
  });
  const results = values(query, 'result').map((result) => {
    if (!RESULTS.has(result)) throw bad('result', result, [...RESULTS]);
    return result as PlanResult;
  });
  const pageText = query.get('page') ?? '';
  let page = 1;
  if (pageText !== '') {
    if (!/^[1-9][0-9]*$/.test(pageText) || Number(pageText) > MAX_PAGE) {
      throw new BadRequest(
        400,
        `Parameter page must be a whole number from 1 to ${MAX_PAGE}, got ${JSON.stringify(pageText)}.`,
      );
    }
    page = Number(pageText);
  }
  return {
    states,
    results,
    label: text(query, 'label'),
    className: text(query, 'class'),
    page,
  };
}

/** The query string of a plan list page (`?…`, or `''` for the unfiltered first page). */
export function planQueryString(query: PlanQuery, page = query.page): string {
  const params = new URLSearchParams();
  for (const state of query.states) params.append('state', state);
  for (const result of query.results) params.append('result', result);
  if (query.label !== undefined) params.set('label', query.label);
  if (query.className !== undefined) params.set('class', query.className);
  if (page > 1) params.set('page', String(page));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * The page of plans a query selects. Without a class filter, the store pages (one extra plan tells
 * whether a next page exists). With one, the newest {@link SEARCH_WINDOW} plans matching the other
 * filters are loaded and those with an action of the class are paged.
 */
export async function findPlanPage(source: ConsoleSource, query: PlanQuery): Promise<PlanPage> {
  const filter: PlanFilter = {
    ...(query.states.length > 0 ? { state: query.states } : {}),
    ...(query.results.length > 0 ? { result: query.results } : {}),
    ...(query.label === undefined ? {} : { label: query.label }),
  };
  const offset = (query.page - 1) * PAGE_SIZE;
  if (query.className === undefined) {
    const plans = await source.plans({ ...filter, offset, limit: PAGE_SIZE + 1 });
    return {
      plans: plans.slice(0, PAGE_SIZE),
      hasNext: plans.length > PAGE_SIZE,
      windowFull: false,
    };
  }
  const className = query.className;
  const window = await source.plans({ ...filter, limit: SEARCH_WINDOW });
  const matching = window.filter((plan) =>
    plan.actions.some((action) => action.className === className),
  );
  return {
    plans: matching.slice(offset, offset + PAGE_SIZE),
    hasNext: matching.length > offset + PAGE_SIZE,
    windowFull: window.length >= SEARCH_WINDOW,
  };
}

function values(query: URLSearchParams, name: string): string[] {
  return [...new Set(query.getAll(name).filter((value) => value !== ''))];
}

function text(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name) ?? '';
  if (value === '') return undefined;
  if (value.length > MAX_TEXT) {
    throw new BadRequest(400, `Parameter ${name} is longer than ${MAX_TEXT} characters.`);
  }
  return value;
}

function bad(name: string, value: string, allowed: readonly string[]): BadRequest {
  return new BadRequest(
    400,
    `Parameter ${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`,
  );
}
