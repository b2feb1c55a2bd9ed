// yargs option definitions and checks shared by several commands, so their choices and messages cannot drift apart.
// Each command keeps its own bad-dates default and help text.
import { BACKEND_CHOICES, type DataConfig } from '../config/schema.ts';
import { DATE_FORMATS } from '../data/format/dates.ts';

export const dateFormatOption = {
  choices: DATE_FORMATS,
  default: 'auto' as const,
  describe:
    "Format of the date column. auto detects the dataset format and pandas re-saves, and reads each file's slash dates (05/07/2018) in one order, decided from that file's dates and the day in its name",
};

export function badDatesOption(defaultValue: DataConfig['badDates'], describe: string) {
  return { choices: ['error', 'skip-row', 'keep'] as const, default: defaultValue, describe };
}

/**
 * A yargs `.check` that each named option, when given, is a positive integer. It returns the message rather than
 * throwing, so yargs reports it as a usage error (no stack trace).
 */
export function positiveIntegers(...names: string[]) {
  return (args: Record<string, unknown>): true | string => {
    for (const name of names) {
      const value = args[name];
      if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) return `--${name} must be a positive integer, got ${String(value)}`;
    }
    return true;
  };
}

export const shardOption = {
  type: 'string' as const,
  describe:
    'Do only part I of N of the work (0-based): log file i (sorted path order, or archive order) belongs to part i mod N; ' +
    'the partial result goes into the output folder for `skiptrain merge`. auto/N takes I from JOB_COMPLETION_INDEX ' +
    '(Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm job array)',
};

export const backendOption = { choices: BACKEND_CHOICES, describe: 'compute backend: native (skiptrain\'s own CPU engine) or a TensorFlow.js backend (default: auto, the fastest available)' };
