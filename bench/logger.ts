import type { Logger } from '../src/index.js';

/** Warnings and errors the engine logged during the bench, by message. */
export const engineComplaints = new Map<string, number>();

/**
 * Quiet like `silentLogger`, but keeps count of warnings and errors, so that the bench can say
 * whether the engine complained while it was being measured.
 */
export const benchLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message) => {
    engineComplaints.set(`warn: ${message}`, (engineComplaints.get(`warn: ${message}`) ?? 0) + 1);
  },
  error: (message) => {
    engineComplaints.set(`error: ${message}`, (engineComplaints.get(`error: ${message}`) ?? 0) + 1);
  },
};
