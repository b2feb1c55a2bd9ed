// `skiptrain sweep`: hyperparameter search over any config keys, chosen on the validation days, bad trials stopped
// early by successive halving; each trial a normal run folder under <checkpoints>/<sweep>/.
import type { CommandModule } from 'yargs';
import { UserError } from '../errors.ts';
import { positiveIntegers } from './options.ts';

interface SweepArgs {
  file?: string;
  resume?: string;
  parallel?: number;
  final?: number;
}

export const sweepCommand: CommandModule<object, SweepArgs> = {
  command: 'sweep [file]',
  describe:
    'Search hyperparameters: a base config plus a search space (choice, uniform, loguniform, int over any config key), ' +
    'random or grid, with successive halving on train.bestMetric measured on data.valDays only (the test days are never read). ' +
    'Each trial is a run folder <checkpoints>/<sweep>/trial-NNN/ with HParams summaries for TensorBoard; sweep.json and ' +
    'sweep.html list every trial. Ctrl-C checkpoints the running trials; --resume continues with the same trials.',
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: 'The sweep file (YAML), e.g. configs/sweep-lstm-synth.yaml' })
      .option('resume', { type: 'string', describe: 'Continue the sweep in this folder (<checkpoints>/<sweep>): finished trials are kept, stopped ones resume from their checkpoints' })
      .option('parallel', { type: 'number', describe: 'Trials trained at once, each a child process (default: the cores ÷ train.workers, at least 1)' })
      .option('final', {
        type: 'number',
        describe: `After the sweep (a new one, or a finished one with --resume): train the best K configurations with 3 seeds each on the training days, score each model, each configuration's ensemble and all of them together on data.testDays (the only step that reads them) and print mean ± sd; writes final.json`,
      })
      .check(positiveIntegers('parallel', 'final'))
      .check((args) => (args.file === undefined) !== (args.resume === undefined) || 'name a sweep file or --resume a sweep folder (not both)')
      .example('$0 sweep configs/sweep-lstm-synth.yaml --parallel 2', 'search the LSTM on synthetic data, two trials at once')
      .example('$0 sweep --resume checkpoints/sweep-lstm-synth', 'continue a sweep that was stopped')
      .example('$0 sweep --resume checkpoints/sweep-lstm-synth --final 2', 'retrain the best two with 3 seeds and score them on the test days')
      .epilogue(
        'A sweep file:\n' +
          '  base: lstm-synth                # a config in configs/ or a path\n' +
          '  overrides: {train.workers: 1}   # fixed for every trial\n' +
          '  method: random                  # or grid (choice and int keys only)\n' +
          '  trials: 12\n' +
          '  seed: 1\n' +
          '  budget: {steps: 600}            # or {epochs: 2}: one trial\'s whole budget\n' +
          '  halving: {eta: 3, rungs: 3}     # keep the best 1/eta at each rung\n' +
          '  space:\n' +
          '    train.lr: {loguniform: [0.0005, 0.01]}\n' +
          '    model.hidden: {choice: [32, 64, 128]}\n' +
          '    model.dropout: {uniform: [0, 0.3]}\n' +
          '    model.layers: {int: [1, 2]}',
      ),
  handler: async (args) => {
    if (args.resume === '') throw new UserError('--resume needs a sweep folder');
    // Loaded here, not at the top: `--help` need not load the sweep runner.
    const { sweepMain } = await import('./sweepMain.ts');
    await sweepMain(args);
  },
};
