// The `skiptrain` command line: one yargs program, one module per command in src/commands/.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { demoCommand } from './commands/demo.ts';
import { synthCommand } from './commands/synth.ts';
import { inspectCommand } from './commands/inspect.ts';
import { prepareCommand } from './commands/prepare.ts';
import { trainCommand } from './commands/train.ts';
import { sweepCommand } from './commands/sweep.ts';
import { evaluateCommand } from './commands/evaluate.ts';
import { predictCommand } from './commands/predict.ts';
import { exploreCommand } from './commands/explore.ts';
import { mergeCommand } from './commands/merge.ts';
import { exportCommand } from './commands/export.ts';
import { failureMessage } from './util/failures.ts';

try {
  await yargs(hideBin(process.argv))
    .scriptName('skiptrain')
    .usage('$0 <command> [options]\n\nTrain and evaluate skip-prediction models on the Spotify Music Streaming Sessions Dataset.')
    .command(demoCommand)
    .command(synthCommand)
    .command(inspectCommand)
    .command(prepareCommand)
    .command(trainCommand)
    .command(sweepCommand)
    .command(evaluateCommand)
    .command(predictCommand)
    .command(exploreCommand)
    .command(mergeCommand)
    .command(exportCommand)
    .demandCommand(1, 'Name a command (see --help).')
    .strict()
    .fail((msg, err) => {
      if (err instanceof Error) throw err; // a .check that returns its message passes it here as a string
      console.error(`error: ${msg}\nRun 'skiptrain --help' (or 'skiptrain <command> --help') for usage.`);
      process.exit(2);
    })
    .help()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .parseAsync();
} catch (e) {
  // A user error or an I/O failure (a full disk, a vanished file) is one line; anything else is a bug: its stack.
  const message = failureMessage(e);
  if (message === undefined) throw e;
  console.error(`error: ${message}`);
  process.exit(1);
}
