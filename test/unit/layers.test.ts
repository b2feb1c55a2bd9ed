// The import direction of src/ (README, "Project layout"): a module imports only from its own folder and from the
// folders below it in LAYERS, and no module reaches itself through its imports (no circles, within a layer too).
// Read from the source text, so a new upward import or circle fails here, not in review.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const SRC = resolve('src');
/** Lowest first. errors.ts and util sit under everything; commands and cli.ts on top, imported by nothing below. */
const LAYERS = ['errors.ts', 'util', 'data', 'kernels', 'models', 'config', 'train', 'report', 'eval', 'explore', 'commands', 'cli.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * src/data's folders in the order bytes become batches (README, "Project layout"), lowest first: synth makes the
 * files the sources read.
 */
const DATA_LAYERS = ['format', 'synth', 'source', 'read', 'passes', 'cache', 'batch', 'export'];

const layerOf = (path: string) => {
  const top = relative(SRC, path).split('/')[0];
  const rank = LAYERS.indexOf(top);
  if (rank < 0) throw new Error(`${relative(SRC, path)}: src/${top} is in no layer; add it to LAYERS (and the README)`);
  return rank;
};

/** The folder of a module of src/data in DATA_LAYERS. */
const dataLayerOf = (path: string) => {
  const folder = relative(join(SRC, 'data'), path).split('/')[0]; // a file loose in src/data is in no folder
  const rank = DATA_LAYERS.indexOf(folder);
  if (rank < 0) throw new Error(`${relative(SRC, path)}: src/data/${folder} is in no data layer; add it to DATA_LAYERS (and the README)`);
  return rank;
};

/** Relative imports, static and dynamic (`import('../x.ts')`), with their line numbers. */
function relativeImports(path: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  readFileSync(path, 'utf8').split('\n').forEach((text, i) => {
    for (const m of text.matchAll(/(?:from\s+|import\s*\(?\s*|new URL\(\s*)'(\.{1,2}\/[^']+)'/g)) {
      out.push({ target: resolve(dirname(path), m[1]), line: i + 1 });
    }
  });
  return out;
}

test('every import in src/ points to its own layer or a lower one', () => {
  const upward: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const rank = layerOf(file);
    for (const { target, line } of relativeImports(file)) {
      if (!target.startsWith(SRC)) continue;
      const targetRank = layerOf(target);
      if (targetRank > rank) upward.push(`${relative('.', file)}:${line} imports ${relative('.', target)}`);
    }
  }
  assert.equal(upward, []);
});

test('inside src/data, every module sits in a folder of DATA_LAYERS and imports only from its folder or those before it', () => {
  const upward: string[] = [];
  for (const file of sourceFiles(join(SRC, 'data'))) {
    const rank = dataLayerOf(file);
    for (const { target, line } of relativeImports(file)) {
      if (!target.startsWith(join(SRC, 'data') + '/')) continue;
      if (dataLayerOf(target) > rank) upward.push(`${relative('.', file)}:${line} imports ${relative('.', target)}`);
    }
  }
  assert.equal(upward, []);
  assert.ok(dataLayerOf(join(SRC, 'data/cache/x.ts')) > dataLayerOf(join(SRC, 'data/read/x.ts')), 'the cache reads through the reader, never the reverse');
});

test('the check sees an upward import when there is one', () => {
  // The trainer imports the config (below it) and is imported by eval (above it): both directions are present.
  const evalImports = sourceFiles(join(SRC, 'eval')).flatMap(relativeImports).map((i) => relative(SRC, i.target));
  assert.ok(evalImports.some((t) => t.startsWith('train/')), 'eval imports train');
  assert.ok(layerOf(join(SRC, 'eval/x.ts')) > layerOf(join(SRC, 'train/x.ts')));
  assert.ok(layerOf(join(SRC, 'data/x.ts')) < layerOf(join(SRC, 'config/x.ts')));
});

/** The circles of an import graph (its strongly connected components of more than one module), Tarjan's way. */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

test('no module of src/ imports itself through others (static or dynamic imports, types included)', () => {
  const graph = new Map(sourceFiles(SRC).map((file) => [file, relativeImports(file).map((i) => i.target)]));
  assert.equal(
    circles(graph).map((c) => c.map((f) => relative(SRC, f)).join(' → ')),
    [],
  );
});

test('the circle check finds a circle when there is one, and only the modules on it', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
  ]);
  assert.equal(circles(graph), [['a', 'b', 'c']]);
  graph.set('c', ['d']);
  assert.equal(circles(graph), []);
});

test.run();
