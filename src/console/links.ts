/** The console's URLs, all below its mount path. */

/** Builds links below a mount path (`''` at the root). @internal */
export class Links {
  /** @param base - the mount path: `''` or a path like `/flowline` */
  constructor(readonly base: string) {}

  /** The plan list, with an optional `?…` query string. */
  plans(query = ''): string {
    return `${this.base}/${query}`;
  }

  /** A plan's page. */
  plan(planId: string, query = ''): string {
    return `${this.base}/plans/${encodeURIComponent(planId)}${query}`;
  }

  /** A step's page. */
  step(planId: string, stepId: number, query = ''): string {
    return `${this.plan(planId)}/steps/${stepId}${query}`;
  }

  /** Where an operation's form posts. */
  operation(planId: string, operation: 'resume' | 'halt' | 'cancel' | 'rollback'): string {
    return `${this.plan(planId)}/${operation}`;
  }

  /** Where a step's Skip form posts. */
  skip(planId: string, stepId: number): string {
    return `${this.step(planId, stepId)}/skip`;
  }

  /** The worlds page. */
  worlds(): string {
    return `${this.base}/worlds`;
  }

  /** The login form. */
  login(): string {
    return `${this.base}/login`;
  }

  /** Where the Log out form posts. */
  logout(): string {
    return `${this.base}/logout`;
  }

  /** The path cookies are scoped to. */
  cookiePath(): string {
    return this.base === '' ? '/' : this.base;
  }
}
