// Training on logs with made-up categorical values: under data.unknownCategories other (the default) the run says so
// once per column — column, rows, examples — however often its epochs and validations read the logs; under error it
// stops before any step, naming the file, line, column and value. A binary cache remembers both: runs that reuse it
// warn as the run that built it did, and one built under other is rebuilt under error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRACK_FEATURES } from '../../../src/data/format/columns.ts';
import { train } from '../../../src/train/trainer.ts';
import { logFile, madeUpCategories, TRACK_HEADER, trackLine } from '../../helpers/dataFixtures.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';

await tf.setBackend('cpu');
const root = mkdtempSync(join(tmpdir(), 'skiptrain-categories-'));
const sessions = (prefix: string, n: number) => Array.from({ length: n }, (_, i): [string, number] => [`${prefix}${i}`, 8 + (i % 13)]);
// Made-up values on the training day only; the validation day is clean.
const made = madeUpCategories(logFile(sessions('t', 24), '2018-07-15'));
const validation = logFile(sessions('v', 8), '2018-07-16');
const logs = join(root, 'made-up.csv');
writeFileSync(logs, made.text + validation.slice(validation.indexOf('\n') + 1));
const tracks = join(root, 'tf.csv'); // logFile plays t_<position>
writeFileSync(tracks, [TRACK_HEADER, ...Array.from({ length: 20 }, (_, i) => trackLine(`t_${i + 1}`, TRACK_FEATURES.map((_, f) => (i * 3 + f) % 7)))].join('\n'));

const config = (overrides: Record<string, string> = {}) =>
  tinyConfig(root, {
    'data.logs': logs,
    'data.tracks': tracks,
    'data.synth.sessions': '0',
    'data.trainDays': '2018-07-15',
    'train.epochs': '2',
    'train.validateEvery': '3',
    'train.checkpointEvery': '0',
    'train.histogramEvery': '0',
    ...overrides,
  });
const silentProgress = { write: () => true, isTTY: false };

test('other: one warning per column with values outside its vocabulary, naming the rows and a few of the values', async () => {
  const lines: string[] = [];
  await train({ config: config(), log: (line) => lines.push(line), progressStream: silentProgress });
  const warnings = lines.filter((line) => line.includes('outside its vocabulary'));
  const { context_type: context, hist_user_behavior_reason_end: reasonEnd } = made.expected;
  assert.equal(warnings, [
    `warning: column 'context_type' has values outside its vocabulary in ${context.rows} rows (e.g. ${context.examples.map((v) => `'${v}'`).join(', ')}): read as "other" (data.unknownCategories: other; set it to error to stop at the first one)`,
    `warning: column 'hist_user_behavior_reason_end' has values outside its vocabulary in ${reasonEnd.rows} rows (e.g. 'zz_end'): read as "other" (data.unknownCategories: other; set it to error to stop at the first one)`,
  ]);
});

test('error: the run stops with a DataError naming the file, line, column and value', async () => {
  try {
    await train({ config: config({ experiment: 'strict', 'data.unknownCategories': 'error' }), log: () => {}, progressStream: silentProgress });
    assert.unreachable('train should have stopped');
  } catch (e) {
    assert.is((e as Error).name, 'DataError');
    const { line, column, value } = made.first;
    assert.match((e as Error).message, `made-up.csv:${line}: column '${column}' has '${value}', which is not one of its values`);
  }
});

test('with data.cache: the run that builds the cache and the runs that reuse it warn alike; error rebuilds it and stops', async () => {
  const cache = join(root, 'cache');
  const runs: string[][] = [];
  for (let i = 0; i < 2; i++) {
    const lines: string[] = [];
    await train({ config: config({ experiment: `cached-${i}`, 'data.cache': cache }), log: (line) => lines.push(line), progressStream: silentProgress });
    runs.push(lines.filter((line) => line.includes('outside its vocabulary')));
  }
  assert.is(runs[0].length, 2, 'the building run warns per column');
  assert.equal(runs[1], runs[0], 'the run that reads the cache warns the same');
  try {
    await train({ config: config({ experiment: 'cached-strict', 'data.cache': cache, 'data.unknownCategories': 'error' }), log: () => {}, progressStream: silentProgress });
    assert.unreachable('train should have stopped');
  } catch (e) {
    assert.match((e as Error).message, `made-up.csv:${made.first.line}: column '${made.first.column}'`);
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
