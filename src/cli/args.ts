/**
 * Command-line parsing with `node:util` `parseArgs`: finding the command among the arguments,
 * parsing its options strictly, and checking option values, each failure a usage error (exit 2).
 */
import { parseArgs } from 'node:util';
import { usageError } from './errors.js';

/** How one option is given: a flag or a value, possibly repeated. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
}

/** Options by long name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Parsed option values by long name (absent options are `undefined`). */
export type OptionValues = Readonly<
  Record<string, string | boolean | (string | boolean)[] | undefined>
>;

/** The options every command takes. */
export const COMMON_OPTIONS = {
  store: { type: 'string' },
  schema: { type: 'string' },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

/** The options of `flowline` without a command. */
export const TOP_LEVEL_OPTIONS = {
  ...COMMON_OPTIONS,
  version: { type: 'boolean', short: 'v' },
} as const satisfies OptionSpecs;

/** A command's options and positionals, as parsed. */
export interface ParsedArgs {
  readonly values: OptionValues;
  readonly positionals: readonly string[];
}

/**
 * Finds the command: the first argument that is neither an option nor an option's value.
 *
 * @param argv - the arguments after `flowline`
 * @param options - every option any command takes (to know which ones take a value)
 * @returns the command's name and its index in `argv`, or `undefined` when there is none
 */
export function findCommand(
  argv: readonly string[],
  options: OptionSpecs,
): { name: string; index: number } | undefined {
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...options },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const first = tokens.find((token) => token.kind === 'positional');
  return first === undefined ? undefined : { name: first.value, index: first.index };
}

/**
 * Parses arguments strictly: an unknown option or a missing value is a usage error naming it. A
 * negative number after an option that takes a value is that value (`--offset -1`), which the
 * option's own check then judges.
 *
 * @param argv - the arguments (without the command name)
 * @param options - the options allowed
 * @param command - the command, for the usage hint (`''` at the top level)
 */
export function parseStrict(
  argv: readonly string[],
  options: OptionSpecs,
  command: string,
): ParsedArgs {
  const args = attachNegativeValues(argv, options);
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...options },
      strict: true,
      allowPositionals: true,
    });
    return { values, positionals };
  } catch (error) {
    throw usageError(describeParseError(error, args), command, error);
  }
}

/** An argument that starts with a dash but names no option: a negative number (`-1`, `-.5`). */
const NEGATIVE_NUMBER = /^-\.?\d/;

/**
 * The arguments with `--name -1` (or `-n -1`) written `--name=-1` when option `name` takes a value.
 * `parseArgs` takes any argument starting with a dash for an option and refuses it as a value; no
 * option is named by a digit, so a negative number can only be a value. Nothing after `--` changes.
 */
function attachNegativeValues(argv: readonly string[], options: OptionSpecs): string[] {
  const longOf = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.short !== undefined) longOf.set(spec.short, name);
  }
  const takesValue = (name: string | undefined): name is string =>
    name !== undefined && Object.hasOwn(options, name) && options[name]?.type === 'string';
  const args: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--') {
      args.push(...argv.slice(index));
      break;
    }
    const name = arg.startsWith('--')
      ? arg.slice(2)
      : /^-[^-]$/.test(arg)
        ? longOf.get(arg.slice(1))
        : undefined;
    const next = argv[index + 1];
    if (takesValue(name) && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      args.push(`--${name}=${next}`);
      index++;
    } else {
      args.push(arg);
    }
  }
  return args;
}

/** A short message for what `parseArgs` rejected in `args`. */
function describeParseError(error: unknown, args: readonly string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const option = /'(-{1,2}[^' ,]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    return `unknown option ${option}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    if (/does not take an argument/.test(message)) return `option ${option} does not take a value`;
    if (/ambiguous/.test(message)) {
      // The option followed by an argument that looks like an option.
      const at = args.findIndex(
        (arg, index) => arg === option && args[index + 1]?.startsWith('-') === true,
      );
      const next = args[at + 1];
      const long = /use '(--[^=' ]+)=/.exec(message)?.[1] ?? option;
      if (at >= 0 && next !== undefined) {
        return (
          `option ${option} needs a value, but is followed by ${JSON.stringify(next)} ` +
          `(write ${long}=${next} if that is the value)`
        );
      }
    }
    return `option ${option} needs a value`;
  }
  return message;
}

/**
 * A string option's value, or `undefined` when absent.
 *
 * @param values - parsed options
 * @param name - the option's long name
 */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  if (Array.isArray(value)) {
    const last = value[value.length - 1];
    return typeof last === 'string' ? last : undefined;
  }
  return typeof value === 'string' ? value : undefined;
}

/**
 * Whether a boolean option was given.
 *
 * @param values - parsed options
 * @param name - the option's long name
 */
export function flagOption(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/**
 * An integer option within bounds, or `fallback` when absent.
 *
 * @param values - parsed options
 * @param name - the option's long name
 * @param bounds - the smallest and largest values allowed, and the fallback
 * @param command - the command, for the usage hint
 */
export function integerOption(
  values: OptionValues,
  name: string,
  bounds: { min: number; max?: number; fallback: number },
  command: string,
): number {
  const text = stringOption(values, name);
  if (text === undefined) return bounds.fallback;
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > max) {
    const range =
      bounds.max === undefined ? `at least ${bounds.min}` : `from ${bounds.min} to ${bounds.max}`;
    throw usageError(
      `option --${name} must be an integer ${range}, got ${JSON.stringify(text)}`,
      command,
    );
  }
  return value;
}

/**
 * The values of a repeatable option, each possibly a comma-separated list, checked against the
 * values allowed; `undefined` when absent.
 *
 * @param values - parsed options
 * @param name - the option's long name
 * @param allowed - the values allowed
 * @param command - the command, for the usage hint
 */
export function choiceListOption<T extends string>(
  values: OptionValues,
  name: string,
  allowed: readonly T[],
  command: string,
): T[] | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const given = (Array.isArray(raw) ? raw : [raw])
    .filter((item): item is string => typeof item === 'string')
    .flatMap((item) => item.split(','))
    .map((item) => item.trim());
  const chosen: T[] = [];
  for (const item of given) {
    const match = allowed.find((value) => value === item);
    if (match === undefined) {
      throw usageError(
        `option --${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(item)}`,
        command,
      );
    }
    if (!chosen.includes(match)) chosen.push(match);
  }
  return chosen;
}
