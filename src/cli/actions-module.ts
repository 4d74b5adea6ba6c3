/**
 * `--actions <module>`: loads a JavaScript or TypeScript module and collects the `Action`
 * subclasses it exports, so a command can start a world that knows the plan's action classes.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Action } from '../action/action.js';
import { PollingAction } from '../action/polling-action.js';
import { SubPlansAction } from '../action/sub-plans-action.js';
import type { ActionClass } from '../action/types.js';
import { usageError } from './errors.js';

/** Engine base classes a module may re-export: never registered themselves. */
const BASE_CLASSES = new Set<unknown>([Action, PollingAction, SubPlansAction]);

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

/**
 * Imports the module at `path` and returns the `Action` subclasses it exports: named or default
 * exports that are such a class, or an array or plain object of them. Other exports are ignored.
 * A TypeScript module is loaded as it is when Node already can (e.g. `node --import tsx`), or
 * through `tsx` when the project has it installed.
 *
 * @param path - the module, relative to `cwd` or absolute
 * @param cwd - the current directory
 * @param command - the command, for the usage hint
 * @throws CliError usage error when the module is missing, fails to load, or exports no action
 */
export async function loadActionsModule(
  path: string,
  cwd: string,
  command: string,
): Promise<ActionClass[]> {
  const file = resolve(cwd, path);
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    // reported below
  }
  if (!isFile) throw usageError(`--actions: no module at ${file}`, command);
  const exports = await importModule(file, cwd, command);
  let found: { actions: ActionClass[]; foreign: string[] };
  try {
    found = collectActions(exports);
  } catch (error) {
    // An export that throws when read (a binding not yet initialised, a hostile proxy).
    throw usageError(`--actions: cannot read the exports of ${file}: ${describe(error)}`, command);
  }
  const { actions, foreign } = found;
  if (foreign.length > 0) {
    throw usageError(
      `--actions: ${file} exports ${foreign.join(', ')}, which extend${foreign.length === 1 ? 's' : ''} ` +
        "another copy of flowline's Action (a CommonJS build, or flowline installed twice); " +
        'import Action from the same flowline the command runs from',
      command,
    );
  }
  if (actions.length === 0) {
    throw usageError(
      `--actions: ${file} exports no Action subclass (export the classes, named or default, ` +
        'or an array or object of them)',
      command,
    );
  }
  return actions;
}

/**
 * The `Action` subclasses among a module's exports, in export order, each once; `foreign` names
 * classes that look like actions but extend another copy of `Action`.
 *
 * @param exports - the module namespace (or any object of exports)
 */
export function collectActions(exports: object): { actions: ActionClass[]; foreign: string[] } {
  const actions: ActionClass[] = [];
  const foreign: string[] = [];
  const visit = (value: unknown, name: string, depth: number): void => {
    if (isActionClass(value)) {
      if (!BASE_CLASSES.has(value) && !actions.includes(value)) actions.push(value);
    } else if (typeof value === 'function') {
      if (extendsForeignAction(value)) foreign.push(value.name || name);
    } else if (depth === 0 && Array.isArray(value)) {
      value.forEach((item: unknown, index) => {
        visit(item, `${name}[${index}]`, depth + 1);
      });
    } else if (depth === 0 && isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) visit(item, `${name}.${key}`, depth + 1);
    }
  };
  for (const [name, value] of Object.entries(exports)) visit(value, name, 0);
  return { actions, foreign };
}

/**
 * Whether `value` is a class extending this flowline's `Action`.
 *
 * @param value - anything
 */
export function isActionClass(value: unknown): value is ActionClass {
  try {
    return typeof value === 'function' && (value.prototype as unknown) instanceof Action;
  } catch {
    return false; // a proxy that refuses to be inspected
  }
}

/**
 * The brand every copy of Flowline puts on its `Action` class (see `Action`): a registered symbol,
 * the same in every copy, since class names do not survive bundling (esbuild names ours `_Action`).
 */
const ACTION_BRAND = Symbol.for('flowline.Action');

/**
 * Whether `value` is a class extending another copy of Flowline's `Action`: one of its ancestors
 * carries the brand, but it does not extend ours. Reads own properties only (no getter runs), and a
 * class that cannot be inspected (a revoked proxy) is not one.
 *
 * @param value - a function that is not one of our action classes
 */
export function extendsForeignAction(value: object): boolean {
  try {
    for (
      let current: unknown = Object.getPrototypeOf(value);
      typeof current === 'function' && current !== Function.prototype;
      current = Object.getPrototypeOf(current)
    ) {
      if (current === Action) return false;
      if (Object.getOwnPropertyDescriptor(current, ACTION_BRAND)?.value === true) return true;
    }
  } catch {
    // a proxy that refuses to be inspected is no action class
  }
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

async function importModule(file: string, cwd: string, command: string): Promise<object> {
  const url = pathToFileURL(file).href;
  try {
    return (await import(url)) as object;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (TYPESCRIPT.has(extname(file)) && code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      return importWithTsx(file, cwd, command);
    }
    throw usageError(`--actions: cannot load ${file}: ${describe(error)}`, command, error);
  }
}

/** Loads a TypeScript module through the project's `tsx`, when it has one. */
async function importWithTsx(file: string, cwd: string, command: string): Promise<object> {
  const api = findTsxApi([join(cwd, 'package.json'), fileURLToPath(import.meta.url)]);
  if (api === undefined) {
    throw usageError(
      `--actions: ${file} is TypeScript, which Node cannot load by itself: install tsx in the ` +
        'project (npm install -D tsx), run flowline with node --import tsx, or compile it to ' +
        'JavaScript',
      command,
    );
  }
  try {
    const loaded = (await import(pathToFileURL(api).href)) as { register?: () => unknown };
    if (typeof loaded.register !== 'function') throw new Error('this tsx has no register()');
    // Registered for the whole process (not tsImport's private namespace), so that the module's
    // own `import … from 'flowline'` gets the very module instance, and Action class, in use here.
    loaded.register();
    // A new URL: Node remembers that the first import failed.
    return (await import(`${pathToFileURL(file).href}?tsx`)) as object;
  } catch (error) {
    throw usageError(`--actions: cannot load ${file}: ${describe(error)}`, command, error);
  }
}

/**
 * The ES module entry of `tsx/esm/api` as seen from the first of `bases` that finds tsx (read from
 * its package.json: a CommonJS `require.resolve` would give the CommonJS entry).
 */
function findTsxApi(bases: readonly string[]): string | undefined {
  for (const base of bases) {
    try {
      const manifestPath = createRequire(base).resolve('tsx/package.json');
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: unknown };
      const entry = field(field(manifest.exports, './esm/api'), 'import');
      const target = typeof entry === 'string' ? entry : field(entry, 'default');
      if (typeof target === 'string') return join(dirname(manifestPath), target);
    } catch {
      // not installed there: try the next place
    }
  }
  return undefined;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}
