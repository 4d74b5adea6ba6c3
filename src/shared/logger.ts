/** Structured details attached to a log line. */
export type LogMeta = Record<string, unknown>;

/** Where Flowline writes what it has to say. Any object with these four methods will do. */
export interface Logger {
  debug(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  error(message: string, meta?: LogMeta): void;
}

/** The default logger: warnings and errors to the console, nothing else. */
export const consoleLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (message, meta) => {
    console.warn(`[flowline] ${message}`, ...(meta === undefined ? [] : [meta]));
  },
  error: (message, meta) => {
    console.error(`[flowline] ${message}`, ...(meta === undefined ? [] : [meta]));
  },
};

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
