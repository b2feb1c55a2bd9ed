// Placeholder until the command lands.
import type { CommandModule } from 'yargs';
import { UserError } from '../errors.ts';

export const trainCommand: CommandModule = {
  command: 'train',
  describe: 'train (not available yet)',
  handler: () => {
    throw new UserError('train is not available yet');
  },
};
