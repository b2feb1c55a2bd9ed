// `skiptrain predict` without the command line: stream the challenge test set through a checkpoint into a
// submission file. Memory stays flat: sessions flow reader → batch → model → file, one batch at a time.
import type { Config } from '../config/schema.ts';
import { challengeBatches, loadDataContext, readOptions } from '../data/batch/batches.ts';
import { readChallengeTestSet } from '../data/batch/testset.ts';
import { loadEnsemble, trackTableWarnings } from './ensemble.ts';
import { expandGlobs } from '../util/expandGlobs.ts';
import { writeSubmission } from './submission.ts';

export interface PredictOptions {
  /** A run folder or checkpoint folder; several make an ensemble (their probabilities averaged). */
  checkpoint: string | string[];
  /** File names or patterns (wildcards in the file name part), expanded and sorted. */
  prehistory: string[];
  input: string[];
  out: string;
  /** Track features of the test sessions (default: the run's). */
  tracks?: string;
  batchSize?: number;
  log?: (line: string) => void;
  onProgress?: (sessions: number) => void;
}

export async function predictSubmission(opts: PredictOptions): Promise<{ sessions: number; files: number }> {
  const log = opts.log ?? ((line: string) => console.error(line));
  // Expand first: a typo in a pattern should fail before the model and track table are loaded.
  const prehistory = expandGlobs(opts.prehistory, '--prehistory');
  const input = expandGlobs(opts.input, '--input');
  const ensemble = await loadEnsemble(Array.isArray(opts.checkpoint) ? opts.checkpoint : [opts.checkpoint], log);
  try {
    const config: Config = structuredClone(ensemble.config);
    if (opts.tracks) config.data.tracks = opts.tracks;
    const ctx = await loadDataContext(config, { stats: ensemble.stats, log });
    for (const warning of trackTableWarnings(ensemble.members, ctx.tracks)) log(warning);
    const sessions = readChallengeTestSet(prehistory, input, { ...readOptions(config), tracks: ctx.tracks, unknownTracks: config.data.unknownTracks });
    const batches = challengeBatches(ctx, sessions, opts.batchSize ?? Math.max(256, config.train.batchSize));
    const written = await writeSubmission(opts.out, batches, ensemble.predict, opts.onProgress);
    return { sessions: written, files: input.length };
  } finally {
    await ensemble.dispose();
  }
}
