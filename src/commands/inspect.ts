// Placeholder until the command lands.
import type { CommandModule } from 'yargs';
import { UserError } from '../errors.ts';

export const inspectCommand: CommandModule = {
  command: 'inspect',
  describe: 'inspect (not available yet)',
  handler: () => {
    throw new UserError('inspect is not available yet');
  },
};
