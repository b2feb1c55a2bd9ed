// Placeholder until the command lands.
import type { CommandModule } from 'yargs';
import { UserError } from '../errors.ts';

export const evaluateCommand: CommandModule = {
  command: 'evaluate',
  describe: 'evaluate (not available yet)',
  handler: () => {
    throw new UserError('evaluate is not available yet');
  },
};
