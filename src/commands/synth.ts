// Placeholder until the command lands.
import type { CommandModule } from 'yargs';
import { UserError } from '../errors.ts';

export const synthCommand: CommandModule = {
  command: 'synth',
  describe: 'synth (not available yet)',
  handler: () => {
    throw new UserError('synth is not available yet');
  },
};
