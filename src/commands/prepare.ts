// Placeholder until the command lands.
import type { CommandModule } from 'yargs';
import { UserError } from '../errors.ts';

export const prepareCommand: CommandModule = {
  command: 'prepare',
  describe: 'prepare (not available yet)',
  handler: () => {
    throw new UserError('prepare is not available yet');
  },
};
