// Placeholder until the command lands.
import type { CommandModule } from 'yargs';
import { UserError } from '../errors.ts';

export const demoCommand: CommandModule = {
  command: 'demo',
  describe: 'demo (not available yet)',
  handler: () => {
    throw new UserError('demo is not available yet');
  },
};
