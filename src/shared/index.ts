/**
 * Small pieces every layer uses: the clock (the only source of time and timers in the engine), the
 * logger interface with its two stock loggers, and tiny pure helpers.
 */
export { isoNow, systemClock } from './clock.js';
export type { Clock, TimerHandle, TimerKind, TimerLabel } from './clock.js';
export { describeValue } from './describe-value.js';
export { isThenable } from './is-thenable.js';
export { consoleLogger, silentLogger } from './logger.js';
export type { LogMeta, Logger } from './logger.js';
