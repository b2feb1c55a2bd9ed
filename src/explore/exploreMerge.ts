// The explore partials of N shards as the result of one pass: their states merge into one accumulator (counts and
// sums add, the sketches and the session sample by their own rules), then the sample analyses and PC run once.
import { fingerprint, fingerprintChange } from '../data/source/fingerprint.ts';
import { readPartials } from '../data/passes/partials.ts';
import { loadTrackTable } from '../data/read/tracks.ts';
import { DataError } from '../errors.ts';
import { ExploreAccumulator, type ExplorePartial, type ExploreResult } from './explorePass.ts';
import type { ExploreOptions } from './exploreOptions.ts';

export async function mergeExplorePartials(dir: string): Promise<{ logs: string; result: ExploreResult }> {
  const parts = await readPartials<ExplorePartial>(dir, 'explore');
  const { logs, tracks: tracksId, options } = parts[0].stamp;
  // The partials hold rows of the track table (the sample's plays): it must be the table the workers read.
  const changed = fingerprintChange('tracks', tracksId, await fingerprint(tracksId.path).catch(() => ({ path: tracksId.path, files: [] })));
  if (changed) throw new DataError(`the track table is not the one the workers read: ${changed}`, parts[0].file);
  const tracks = await loadTrackTable(tracksId.path);
  const { days: _days, ...exploreOptions } = options;
  const acc = new ExploreAccumulator(tracks, exploreOptions as Partial<ExploreOptions>);
  for (const p of parts) {
    try {
      acc.merge(p.result);
    } catch (e) {
      throw new DataError(`cannot merge this partial explore result: ${(e as Error).message}`, p.file);
    }
  }
  return { logs: logs.path, result: acc.finish() };
}
