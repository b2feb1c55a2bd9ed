// `skiptrain demo`: the whole product in one command on built-in synthetic data — synthesize a small MSSD-format
// archive, train a small LSTM for a minute or two, evaluate it beside the baselines, and say where everything went.
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import type { Backend } from '../config/schema.ts';
import { backendOption } from './options.ts';

interface DemoArgs {
  sessions: number;
  epochs: number;
  model: 'lstm' | 'transformer';
  backend: Backend;
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe:
    'Run the main job end to end on built-in synthetic data: synthesize a small archive (.cache/synth/demo), train a ' +
    'small model, evaluate it against the baselines on a test day, and print where the TensorBoard logs and the ' +
    'HTML report are.',
  builder: (y) =>
    y
      .option('sessions', { type: 'number', default: 30000, describe: 'Synthetic sessions to generate (over 5 days: three train, one validates, the last is the test day)' })
      .option('epochs', { type: 'number', default: 3, describe: 'Training epochs' })
      .option('model', { choices: ['lstm', 'transformer'] as const, default: 'lstm' as const, describe: 'Which model to train' })
      .option('backend', { ...backendOption, default: 'auto' as const }),
  handler: async (args) => {
    const log = (s: string) => console.error(s);
    // Loaded here, not at the top: `--help` need not load the config reader, TensorFlow.js or the trainer.
    const [{ loadConfig }, { selectBackend }, { train }, { runEvaluation }] = await Promise.all([
      import('../config/load.ts'),
      import('../models/backend.ts'),
      import('../train/trainer.ts'),
      import('./evaluation.ts'),
    ]);
    const config = loadConfig(`${args.model}-synth`, {
      experiment: `demo-${args.model}`,
      backend: args.backend,
      'data.logs': '.cache/synth/demo/training_set.tar.gz',
      'data.tracks': '.cache/synth/demo/track_features.tar.gz',
      'data.synth.sessions': args.sessions,
      'data.synth.days': 5,
      'data.trainDays': '2018-07-15..2018-07-17',
      'data.valDays': '2018-07-18',
      'data.testDays': '2018-07-19',
      'train.epochs': args.epochs,
    });
    await selectBackend(config.backend, log);
    log(`demo: step 1/2 — train a ${config.model.type} (${config.task} task) on synthetic data`);
    const result = await train({ config, log });

    log(`demo: step 2/2 — evaluate the last checkpoint on the test day (${config.data.testDays.join(', ')}), then write the report`);
    const report = join(result.runFolder, 'report.html');
    await runEvaluation({ checkpoint: [result.runFolder], report, title: `Demo: ${config.model.type} on synthetic MSSD` }, log);
    console.log(`\nrun folder:   ${result.runFolder}`);
    console.log(`report:       ${report}`);
    console.log(`TensorBoard:  tensorboard --logdir ${config.checkpoints}`);
    console.log(`next:         npx skiptrain train --config lstm-synth   (or see --help of train, evaluate, predict, explore)`);
  },
};
