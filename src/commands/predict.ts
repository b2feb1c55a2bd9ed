// Placeholder until the command lands.
import type { CommandModule } from 'yargs';
import { UserError } from '../errors.ts';

export const predictCommand: CommandModule = {
  command: 'predict',
  describe: 'predict (not available yet)',
  handler: () => {
    throw new UserError('predict is not available yet');
  },
};
