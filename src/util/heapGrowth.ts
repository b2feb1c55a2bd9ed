// How far V8 lets the old generation grow past its live size before the next full collection, raised while a log
// pass runs. A pass keeps a small live heap (the track table's Map, ~33 MB for 200k tracks) and allocates fast in the
// young generation; V8 sizes the old generation's limit from the live size (here ~1.8×) and starts marking as soon as
// the room left is below the young generation's capacity, which with a small heap is at once. Marking then ran
// almost without pause: a full mark-compact every ~70 ms, ~40% of the pass's CPU on V8's marking threads. With the
// limit at 3× live size a 450k-session pass made 3 mark-compacts instead of 48–68, and took 3.6–3.9 s against 5.3–5.7
// (CPU 5.9–6.1 s against 9.0–10.0), alternated in one process; its peak RSS rose by ~30 MB. With 435 MB live (a
// Map of 3 M track ids, as the full MSSD's table makes) the default still made 8 mark-compacts of the whole heap
// against 3 (CPU 10.5 s against 8.9). The price: a long pass may let the heap reach 3× its live size before a
// collection.
import { setFlagsFromString } from 'node:v8';

const FLAG = '--heap-growing-percent';
/** The limit at 1 + 200/100 = 3× the live size after a collection (300 measured the same). */
const PASS_PERCENT = 200;

/**
 * Holds of the raised growth: it is set by the first and put back to V8's own rule (0) by the last release. A
 * growth the user chose on node's command line is left alone.
 */
export class HeapGrowth {
  private holders = 0;

  constructor(
    private readonly setFlags: (flags: string) => void = setFlagsFromString,
    private readonly chosenByUser = process.execArgv.some((a) => a.startsWith(FLAG) || a.startsWith('--heap_growing_percent')),
  ) {}

  /** Raises the growth until the returned release is called (calling it again does nothing). */
  hold(): () => void {
    if (this.chosenByUser) return () => {};
    if (this.holders++ === 0) this.setFlags(`${FLAG}=${PASS_PERCENT}`);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holders === 0) this.setFlags(`${FLAG}=0`);
    };
  }
}

/** The process's one set of holds (the flag is the process's). */
export const passHeapGrowth = new HeapGrowth();
