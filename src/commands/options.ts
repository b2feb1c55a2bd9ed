// yargs option definitions shared by the commands that read logs themselves (inspect, prepare), so their choices
// cannot drift apart. Each command keeps its own bad-dates default and help text.
import type { DataConfig } from '../config/schema.ts';

export const dateFormatOption = {
  choices: ['auto', 'YYYY-MM-DD', 'DD-MM-YY', 'MM/DD/YYYY', 'DD/MM/YYYY'] as const,
  default: 'auto' as const,
  describe: 'Format of the date column (auto detects the dataset format and pandas re-saves)',
};

export function badDatesOption(defaultValue: DataConfig['badDates'], describe: string) {
  return { choices: ['error', 'skip-row', 'keep'] as const, default: defaultValue, describe };
}
