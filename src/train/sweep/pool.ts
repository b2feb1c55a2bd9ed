// At most `parallel` trial processes at a time, and a stop that reaches every running one.
import type { TrialProcess } from './trialProcess.ts';

/** Runs `work` on the items, at most `parallel` at a time; true when `stop` ended it early. */
export async function runPool<T>(items: T[], parallel: number, stop: AbortSignal | undefined, work: (item: T, started: (p: TrialProcess) => void) => Promise<void>): Promise<boolean> {
  const running = new Set<TrialProcess>();
  const onStop = () => running.forEach((p) => p.interrupt());
  stop?.addEventListener('abort', onStop);
  let next = 0;
  const lane = async () => {
    while (next < items.length && !stop?.aborted) {
      let child: TrialProcess | undefined;
      await work(items[next++], (p) => {
        child = p;
        running.add(p);
      }).finally(() => child && running.delete(child));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, lane));
  } finally {
    stop?.removeEventListener('abort', onStop);
  }
  return Boolean(stop?.aborted);
}
