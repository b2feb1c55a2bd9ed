// A count-min sketch with conservative update (Cormode & Muthukrishnan 2005; Estan & Varghese 2002): approximate
// counts of arbitrarily many keys in fixed memory. Estimates never undercount; with width w and depth d the
// overcount is at most e/w · total with probability 1 − e^−d (conservative update makes it far smaller in practice).

/** Final mix of murmur3: spreads every input bit over the 32-bit output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** What a shard's sketch leaves for the merge; `cells` holds (zero cells skipped, count) pairs, compact when sparse. */
export interface CountMinState {
  width: number;
  depth: number;
  total: number;
  cells: number[];
}

export class CountMinSketch {
  private readonly table: Float64Array;
  private readonly mask: number;
  private readonly cells: Int32Array;
  total = 0;

  /** width is rounded up to a power of two. */
  constructor(
    width: number,
    readonly depth = 4,
  ) {
    const w = 2 ** Math.ceil(Math.log2(Math.max(2, width)));
    this.mask = w - 1;
    this.table = new Float64Array(w * depth);
    this.cells = new Int32Array(depth);
  }

  get width(): number {
    return this.mask + 1;
  }

  /** Keys are pairs of 32-bit hashes (e.g. of two track ids), so no string is built per update. */
  private locate(a: number, b: number): void {
    for (let r = 0; r < this.depth; r++) {
      const h = fmix32(a ^ fmix32(b + Math.imul(r + 1, 0x9e3779b1)));
      this.cells[r] = r * (this.mask + 1) + (h & this.mask);
    }
  }

  add(a: number, b: number): void {
    this.total++;
    this.locate(a, b);
    let min = Infinity;
    for (let r = 0; r < this.depth; r++) min = Math.min(min, this.table[this.cells[r]]);
    // Conservative update: only raise the cells that are at the current minimum estimate.
    for (let r = 0; r < this.depth; r++) if (this.table[this.cells[r]] === min) this.table[this.cells[r]] = min + 1;
  }

  estimate(a: number, b: number): number {
    this.locate(a, b);
    let min = Infinity;
    for (let r = 0; r < this.depth; r++) min = Math.min(min, this.table[this.cells[r]]);
    return min;
  }

  state(): CountMinState {
    const cells: number[] = [];
    let skipped = 0;
    for (const v of this.table) {
      if (v === 0) skipped++;
      else {
        cells.push(skipped, v);
        skipped = 0;
      }
    }
    return { width: this.width, depth: this.depth, total: this.total, cells };
  }

  /**
   * Adds another shard's sketch: the tables add cell by cell, which needs the same width, depth and hash functions
   * (the row hashes here are fixed, so width and depth decide). The sum still never undercounts, and each cell is at
   * most the plain count-min cell of the whole stream, so the e/w · total bound holds for the merged sketch.
   */
  merge(other: CountMinState): void {
    if (other.width !== this.width || other.depth !== this.depth) {
      throw new Error(`count-min sketches of different shapes cannot be merged: ${other.depth}×${other.width} vs ${this.depth}×${this.width}`);
    }
    let cell = 0;
    for (let i = 0; i < other.cells.length; i += 2) {
      cell += other.cells[i];
      this.table[cell++] += other.cells[i + 1];
    }
    this.total += other.total;
  }
}
