// What `skiptrain sweep` does once its arguments are checked: run (or continue) the sweep, then write its report
// and say where everything is.
import { runSweep } from '../train/sweep/runSweep.ts';
import { rankedTrials, sweepStatePath } from '../train/sweep/state.ts';
import { writeSweepReport } from '../report/sweepReport.ts';

export async function sweepMain(args: { file?: string; resume?: string; parallel?: number; final?: number }): Promise<void> {
  const stop = new AbortController();
  const onInterrupt = () => {
    console.error('\ninterrupt: the running trials checkpoint and stop (Ctrl-C again to quit at once)');
    stop.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  try {
    const { folder, state, spec, parallel, interrupted } = await runSweep({ file: args.file, resume: args.resume, parallel: args.parallel, stop: stop.signal });
    const report = await writeSweepReport(folder, spec, state);
    if (interrupted) {
      console.error(`sweep stopped; continue with: skiptrain sweep --resume ${folder}`);
      process.exitCode = 130;
      return;
    }
    const best = rankedTrials(state)[0];
    console.log(`sweep folder: ${folder}`);
    console.log(`results:      ${sweepStatePath(folder)}, ${report}`);
    if (best?.bestMetric !== undefined) console.log(`best trial:   ${best.id} (${state.metric} ${best.bestMetric.toFixed(4)}): ${best.runFolder}`);
    console.log(`TensorBoard:  tensorboard --logdir ${folder}`);
    if (args.final === undefined) return;
    // Loaded here: only --final evaluates (and loads TensorFlow.js in this process).
    const { formatFinalTable, runFinal } = await import('./sweepFinal.ts');
    const final = await runFinal(folder, state, args.final, parallel, stop.signal, (line) => console.error(line));
    if (!final) {
      console.error(`final runs stopped; continue with: skiptrain sweep --resume ${folder} --final ${args.final}`);
      process.exitCode = 130;
      return;
    }
    console.log(`\n${formatFinalTable(final, state.metric)}`);
    console.log(`written to ${folder}/final.json`);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}
