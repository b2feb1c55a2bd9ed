// `skiptrain train`: train a model from a config (every key overridable as --section.key value), or continue a run.
import type { CommandModule } from 'yargs';
import { configKeysHelp } from '../config/help.ts';
import { UserError } from '../errors.ts';

interface TrainArgs {
  config?: string;
  resume?: string;
  untilFraction?: number;
  [override: string]: unknown;
}

/** Options this command defines itself; everything else on the line is a config override. */
const OWN_OPTIONS = ['config', 'c', 'resume', 'until-fraction', 'help', 'version'];

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train [config]',
  describe:
    'Train a skip-prediction model. Writes a run folder <checkpoints>/<experiment>/<run-id>/ with the resolved config, ' +
    'feature statistics, TensorBoard logs and checkpoints. Any config key can be overridden with its dotted path, ' +
    'e.g. --model.hidden 128 --train.epochs 5. Ctrl-C saves a checkpoint and stops; --resume continues exactly.',
  builder: (y) =>
    y
      .positional('config', {
        type: 'string',
        describe: 'Config name in configs/ (lstm, lstm-synth, transformer, …) or a path to a YAML file (same as --config)',
      })
      .option('config', {
        alias: 'c',
        type: 'string',
        describe: 'Config name in configs/ (lstm, transformer-synth, …) or a path to a YAML file; defaults apply when omitted',
      })
      .option('resume', {
        type: 'string',
        describe: "Continue a run from its latest checkpoint: the run folder (or one checkpoint folder). Uses the run's config.yaml unless --config is given; the model must match. A run stopped before its first checkpoint starts over in its folder. One process per run folder: while another one trains in it (train.lock), this one is refused",
      })
      .option('until-fraction', {
        type: 'number',
        describe: 'Stop (validated, with a checkpoint) once this fraction of the planned steps is done; the learning-rate schedule still plans for the whole run, so --resume continues it as if it never stopped (what a sweep\'s rungs do)',
      })
      .check(({ untilFraction: f }) => f === undefined || (typeof f === 'number' && f > 0 && f <= 1) || `--until-fraction must be in (0, 1], got ${String(f)}`)
      // Config overrides are open-ended (--model.hidden 128); loadConfig validates them and rejects unknown keys.
      .strict(false)
      .example('$0 train lstm-synth', 'train the small LSTM on built-in synthetic data')
      .example('$0 train --config lstm --model.hidden 128 --train.lr 0.001', 'override config keys')
      .example('$0 train --resume checkpoints/lstm/20260115-093012', 'continue a stopped run')
      .epilogue(`Config keys (YAML or --key value; the defaults are shown):\n${configKeysHelp()}`),
  handler: async (argv) => {
    // Loaded here, not at the top: `--help` need not load the config reader (YAML).
    const { configOverridesFromArgv, loadConfigDetailed } = await import('../config/load.ts');
    const overrides = configOverridesFromArgv(argv, OWN_OPTIONS);
    let configSource = argv.config;
    if (argv.resume !== undefined) {
      if (!argv.resume) throw new UserError('--resume needs a run folder');
      // Fails early, naming the path, when there is nothing to resume. (Imported here: it loads TensorFlow.js.)
      const [{ resumeTarget }, { runConfigPath }] = await Promise.all([import('../train/resumeTarget.ts'), import('../train/runFolder.ts')]);
      configSource ??= runConfigPath(resumeTarget(argv.resume, () => {}).runFolder); // the trainer says what it finds there
    }
    const { config, origins } = loadConfigDetailed(configSource, overrides);
    // Loaded here, not at the top: TensorFlow.js takes a moment to import and `--help` should not wait for it.
    const [{ checkPrecision, selectBackend }, { train }] = await Promise.all([import('../models/backend.ts'), import('../train/trainer.ts')]);
    await selectBackend(config.backend);
    await checkPrecision(config.train.precision);

    const stop = new AbortController();
    const onInterrupt = () => {
      console.error('\ninterrupt: finishing this step and saving a checkpoint (Ctrl-C again to quit without saving)');
      stop.abort();
      process.once('SIGINT', () => process.exit(130));
    };
    process.once('SIGINT', onInterrupt);
    try {
      const result = await train({ config, origins, resume: argv.resume, untilFraction: argv.untilFraction, stop: stop.signal });
      if (result.interrupted) {
        console.error(`stopped at step ${result.step}; checkpoint saved to ${result.checkpoint}`);
        console.error(`continue with: skiptrain train --resume ${result.runFolder}`);
        process.exitCode = 130;
        return;
      }
      console.log(`run folder:  ${result.runFolder}`);
      console.log(`checkpoint:  ${result.checkpoint}`);
      console.log(`TensorBoard: tensorboard --logdir ${config.checkpoints}`);
    } finally {
      process.removeListener('SIGINT', onInterrupt);
    }
  },
};
