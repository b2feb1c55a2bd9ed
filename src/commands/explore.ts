// Placeholder until the command lands.
import type { CommandModule } from 'yargs';
import { UserError } from '../errors.ts';

export const exploreCommand: CommandModule = {
  command: 'explore',
  describe: 'explore (not available yet)',
  handler: () => {
    throw new UserError('explore is not available yet');
  },
};
