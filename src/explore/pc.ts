// The PC algorithm (Spirtes & Glymour) on a correlation matrix: learn which variables are conditionally
// independent (Fisher-z tests on partial correlations), then orient what the independences imply. The result is a
// CPDAG: the directed edges every DAG in the Markov equivalence class agrees on, the rest left undirected.
import { fisherZTest, partialCorrelation, type SquareMatrix } from './partialCorrelation.ts';

export interface PcOptions {
  /** Significance level of each test: p > alpha ⇒ independent ⇒ edge removed. */
  alpha: number;
  /** Largest conditioning set tried. */
  maxCond: number;
  /**
   * Background knowledge: variables that cause nothing else in the graph (skip_2 is an outcome of the play; it cannot
   * change the track's audio features). No arrow leaves a sink, and every edge at a sink points into it.
   */
  sinks?: readonly string[];
}

export interface CpdagEdge {
  from: string;
  to: string;
  /** false: undirected (from/to in node order). */
  directed: boolean;
}

export interface PcResult {
  nodes: string[];
  edges: CpdagEdge[];
  /** Why each removed pair was removed: the separating set and the test's p-value. */
  separations: { a: string; b: string; given: string[]; p: number }[];
  samples: number;
  tests: number;
}

/** Adjacency marks: none, undirected i—j, or an arrowhead. mark[i][j] = ARROW means i → j. */
const NONE = 0;
const TAIL_TAIL = 1;
const ARROW = 2;
const ARROW_IN = 3; // the other end of an arrow: mark[j][i] when i → j

/** All k-element subsets of items, in lexicographic order (conditioning sets are small: k ≤ maxCond). */
export function* subsets<T>(items: readonly T[], k: number, start = 0, prefix: T[] = []): Generator<T[]> {
  if (prefix.length === k) {
    yield prefix.slice();
    return;
  }
  for (let i = start; i <= items.length - (k - prefix.length); i++) {
    prefix.push(items[i]);
    yield* subsets(items, k, i + 1, prefix);
    prefix.pop();
  }
}

class Graph {
  readonly mark: Uint8Array;
  constructor(readonly size: number) {
    this.mark = new Uint8Array(size * size);
  }
  adjacent(i: number, j: number): boolean {
    return this.mark[i * this.size + j] !== NONE;
  }
  neighbours(i: number): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.size; j++) if (j !== i && this.adjacent(i, j)) out.push(j);
    return out;
  }
  connect(i: number, j: number): void {
    this.mark[i * this.size + j] = TAIL_TAIL;
    this.mark[j * this.size + i] = TAIL_TAIL;
  }
  remove(i: number, j: number): void {
    this.mark[i * this.size + j] = NONE;
    this.mark[j * this.size + i] = NONE;
  }
  undirected(i: number, j: number): boolean {
    return this.mark[i * this.size + j] === TAIL_TAIL;
  }
  /** i → j */
  directed(i: number, j: number): boolean {
    return this.mark[i * this.size + j] === ARROW;
  }
  orient(i: number, j: number): void {
    this.mark[i * this.size + j] = ARROW;
    this.mark[j * this.size + i] = ARROW_IN;
  }
}

/**
 * Skeleton phase, PC-stable variant: the adjacency sets used at each conditioning-set size are frozen before that
 * level starts, so the result does not depend on the order variables are listed in.
 */
function learnSkeleton(corr: SquareMatrix, n: number, opts: PcOptions, g: Graph) {
  const d = corr.size;
  const sepsets = new Map<number, { given: number[]; p: number }>();
  let tests = 0;
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) g.connect(i, j);
  for (let level = 0; level <= opts.maxCond; level++) {
    const frozen = Array.from({ length: d }, (_, i) => g.neighbours(i));
    let anyTestable = false;
    for (let i = 0; i < d; i++) {
      for (const j of frozen[i]) {
        if (!g.adjacent(i, j)) continue;
        const candidates = frozen[i].filter((k) => k !== j);
        if (candidates.length < level) continue;
        anyTestable = true;
        for (const given of subsets(candidates, level)) {
          tests++;
          const { p } = fisherZTest(partialCorrelation(corr, i, j, given), n, level);
          // An undecidable test (singular sub-matrix, too few samples) keeps the edge: absence needs evidence.
          if (p > opts.alpha) {
            g.remove(i, j);
            sepsets.set(Math.min(i, j) * d + Math.max(i, j), { given, p });
            break;
          }
        }
      }
    }
    if (!anyTestable) break;
  }
  return { sepsets, tests };
}

/** Unshielded colliders: i — k — j with i, j non-adjacent and k outside their separating set ⇒ i → k ← j. */
function orientVStructures(g: Graph, sepsets: Map<number, { given: number[] }>, isSink: (i: number) => boolean): void {
  const d = g.size;
  const colliders: [number, number, number][] = [];
  for (let k = 0; k < d; k++) {
    const nb = g.neighbours(k);
    for (let a = 0; a < nb.length; a++) {
      for (let b = a + 1; b < nb.length; b++) {
        const i = nb[a];
        const j = nb[b];
        if (g.adjacent(i, j)) continue;
        const sep = sepsets.get(Math.min(i, j) * d + Math.max(i, j));
        if (sep && !sep.given.includes(k)) colliders.push([i, k, j]);
      }
    }
  }
  // Orient after finding all of them, and never flip an arrow already set: conflicting colliders (possible with
  // finite-sample errors) keep the first orientation rather than depending on loop order in a worse way.
  for (const [i, k, j] of colliders) {
    if (g.undirected(i, k) && !isSink(i)) g.orient(i, k);
    if (g.undirected(j, k) && !isSink(j)) g.orient(j, k);
  }
}

/** Background knowledge: whatever is still undirected at a sink points into it. */
function orientIntoSinks(g: Graph, isSink: (i: number) => boolean): void {
  for (let s = 0; s < g.size; s++) {
    if (!isSink(s)) continue;
    for (const other of g.neighbours(s)) if (g.undirected(other, s)) g.orient(other, s);
  }
}

/** Meek's rules 1–3 (rule 4 only matters with background knowledge), applied until nothing changes. */
function applyMeekRules(g: Graph): void {
  const d = g.size;
  let changed = true;
  while (changed) {
    changed = false;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        if (a === b || !g.undirected(a, b)) continue;
        if (meekOrients(g, a, b)) {
          g.orient(a, b);
          changed = true;
        }
      }
    }
  }
}

/** Whether one of Meek's rules forces the undirected edge a — b to become a → b. */
function meekOrients(g: Graph, a: number, b: number): boolean {
  const d = g.size;
  for (let c = 0; c < d; c++) {
    if (c === a || c === b) continue;
    // R1: c → a — b, c and b non-adjacent: a new collider at a would otherwise appear.
    if (g.directed(c, a) && !g.adjacent(c, b)) return true;
    // R2: a → c → b and a — b: orienting b → a would close a directed cycle.
    if (g.directed(a, c) && g.directed(c, b)) return true;
  }
  // R3: a — c → b, a — e → b, c and e non-adjacent.
  const parentsOfB: number[] = [];
  for (let c = 0; c < d; c++) if (c !== a && g.undirected(a, c) && g.directed(c, b)) parentsOfB.push(c);
  for (let x = 0; x < parentsOfB.length; x++)
    for (let y = x + 1; y < parentsOfB.length; y++) if (!g.adjacent(parentsOfB[x], parentsOfB[y])) return true;
  return false;
}

/** Run PC on a correlation matrix estimated from n samples. Variables with an undefined (NaN) correlation are
 *  treated as untestable, so callers should drop constant variables first. */
export function pcAlgorithm(nodes: string[], corr: SquareMatrix, n: number, opts: PcOptions): PcResult {
  if (nodes.length !== corr.size) throw new Error(`pcAlgorithm: ${nodes.length} names for a ${corr.size}×${corr.size} matrix`);
  const g = new Graph(corr.size);
  const { sepsets, tests } = learnSkeleton(corr, n, opts, g);
  const sinks = new Set(opts.sinks ?? []);
  const isSink = (i: number) => sinks.has(nodes[i]);
  orientVStructures(g, sepsets, isSink);
  orientIntoSinks(g, isSink);
  applyMeekRules(g);
  const edges: CpdagEdge[] = [];
  for (let i = 0; i < g.size; i++) {
    for (let j = 0; j < g.size; j++) {
      if (g.directed(i, j)) edges.push({ from: nodes[i], to: nodes[j], directed: true });
      else if (i < j && g.undirected(i, j)) edges.push({ from: nodes[i], to: nodes[j], directed: false });
    }
  }
  const separations = [...sepsets].map(([key, s]) => ({
    a: nodes[Math.floor(key / g.size)],
    b: nodes[key % g.size],
    given: s.given.map((k) => nodes[k]),
    p: s.p,
  }));
  return { nodes, edges, separations, samples: n, tests };
}
