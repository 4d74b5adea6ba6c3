/** Which page or operation a path names, and which methods it accepts. */
import { BadRequest } from './request.js';

/** A console route, from the path below the mount point. @internal */
export type Route =
  | { readonly kind: 'plans' }
  | { readonly kind: 'plan'; readonly planId: string }
  | { readonly kind: 'step'; readonly planId: string; readonly stepId: number }
  | {
      readonly kind: 'operation';
      readonly planId: string;
      readonly operation: 'resume' | 'halt' | 'cancel' | 'rollback';
    }
  | { readonly kind: 'skip'; readonly planId: string; readonly stepId: number }
  | { readonly kind: 'worlds' }
  | { readonly kind: 'login' }
  | { readonly kind: 'logout' }
  | { readonly kind: 'not-found' };

/**
 * The route of a path (decoded segments below the mount point).
 *
 * @throws BadRequest 400 when a step id is not a positive whole number
 */
export function matchRoute(segments: readonly string[]): Route {
  const [first, planId, third, stepText, fifth, ...rest] = segments;
  if (first === undefined) return { kind: 'plans' };
  if (planId === undefined) {
    if (first === 'worlds') return { kind: 'worlds' };
    if (first === 'login') return { kind: 'login' };
    if (first === 'logout') return { kind: 'logout' };
    return { kind: 'not-found' };
  }
  if (first !== 'plans' || rest.length > 0) return { kind: 'not-found' };
  if (third === undefined) return { kind: 'plan', planId };
  if (stepText === undefined) {
    if (third === 'resume' || third === 'halt' || third === 'cancel' || third === 'rollback') {
      return { kind: 'operation', planId, operation: third };
    }
    return { kind: 'not-found' };
  }
  if (third !== 'steps') return { kind: 'not-found' };
  const stepId = parseStepId(stepText);
  if (fifth === undefined) return { kind: 'step', planId, stepId };
  return fifth === 'skip' ? { kind: 'skip', planId, stepId } : { kind: 'not-found' };
}

/** The methods a route answers; any other gets 405. */
export function allowedMethods(route: Route): readonly string[] {
  switch (route.kind) {
    case 'operation':
    case 'skip':
    case 'logout':
      return ['POST'];
    case 'login':
      return ['GET', 'HEAD', 'POST'];
    default:
      return ['GET', 'HEAD'];
  }
}

function parseStepId(text: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) {
    throw new BadRequest(400, `A step id is a positive whole number; got ${JSON.stringify(text)}.`);
  }
  return Number(text);
}
