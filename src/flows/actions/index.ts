/**
 * The packaged stage actions (DESIGN §6): each a `StageAction` with a props schema.
 */
import type { StageActionClass } from '../flows-types.js';

/** Every packaged stage action, registered by each `Flows` and known to `parseFlow`. */
export const packagedStageActions: readonly StageActionClass[] = [];
