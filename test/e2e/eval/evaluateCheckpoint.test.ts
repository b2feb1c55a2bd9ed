// Scores that can be trusted: evaluate reports on test days (warning about days that trained or chose), a
// session-hash run scores only its test sessions, track embeddings follow the id not the table row, and several
// checkpoints evaluate as an ensemble.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRACK_COLUMNS } from '../../../src/data/format/columns.ts';
import { readSessions } from '../../../src/data/read/logs.ts';
import { loadTrackTable } from '../../../src/data/read/tracks.ts';
import { loadDataContext, evalBatches } from '../../../src/data/batch/batches.ts';
import { trackKey } from '../../../src/data/format/trackKey.ts';
import { UserError } from '../../../src/errors.ts';
import { loadEnsemble } from '../../../src/eval/ensemble.ts';
import { evaluateCheckpoint } from '../../../src/eval/evaluateCheckpoint.ts';
import { predictSubmission } from '../../../src/eval/predictSubmission.ts';
import { writeSynth } from '../../../src/data/synth/index.ts';
import { formatSummaryTable } from '../../../src/eval/summary.ts';
import { predictProbabilities } from '../../../src/models/model.ts';
import { readCheckpoint, resolveCheckpoint } from '../../../src/train/checkpoint.ts';
import { train } from '../../../src/train/trainer.ts';
import { withManifestCrc } from '../../../src/util/manifestCrc.ts';
import { hashString } from '../../../src/util/rng.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';

await tf.setBackend('cpu');
const root = mkdtempSync(join(tmpdir(), 'skiptrain-trust-'));
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } };
const logs = join(root, 'synth', 'training_set.tar.gz');
const tracks = join(root, 'synth', 'track_features.tar.gz');

/** Three synthetic days: train on the 15th, validate on the 16th, test on the 17th. */
const dated = (overrides: Record<string, string> = {}) =>
  tinyConfig(root, {
    'data.synth.days': '3',
    'data.trainDays': '2018-07-15',
    'data.valDays': '2018-07-16',
    'data.testDays': '2018-07-17',
    'train.maxSteps': '6',
    ...overrides,
  });

let runA = '';
let runB = '';
test.before(async () => {
  await tf.setBackend('cpu');
  runA = (await train({ config: dated(), ...quiet })).runFolder;
  runB = (await train({ config: dated({ 'train.seed': '2' }), ...quiet })).runFolder;
});

async function evaluateLogged(opts: Parameters<typeof evaluateCheckpoint>[0]) {
  const lines: string[] = [];
  const result = await evaluateCheckpoint({ ...opts, log: (l) => lines.push(l) });
  return { ...result, warnings: lines.filter((l) => l.startsWith('warning')) };
}

test('evaluate scores the test days by default, and warns in one line about days that trained or chose', async () => {
  const byDefault = await evaluateLogged({ checkpoint: runA });
  assert.equal(byDefault.summary.source.days, ['2018-07-17']);
  assert.equal(byDefault.warnings, []);
  const testDay = (await collectIds('2018-07-17')).length;
  assert.is(byDefault.summary.sessions, testDay);

  const onVal = await evaluateLogged({ checkpoint: runA, days: ['2018-07-16'] });
  assert.is(onVal.warnings.length, 1);
  assert.match(onVal.warnings[0], /2018-07-16 is a validation day \(chose the checkpoint\) of this run: the scores will be optimistic/);
  const onTrainAndVal = await evaluateLogged({ checkpoint: runA, days: ['2018-07-15', '2018-07-16'] });
  assert.is(onTrainAndVal.warnings.length, 1, onTrainAndVal.warnings.join('\n'));
  assert.match(onTrainAndVal.warnings[0], /2018-07-15 is a training day; 2018-07-16 is a validation day/);
});

async function collectIds(day: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const s of readSessions(logs, { days: new Set([day]) })) ids.push(s.id);
  return ids;
}

test('evaluate --days on a session-hash run scores exactly its test share of those days', async () => {
  const hashed = tinyConfig(root, {
    experiment: 'hashed',
    'data.split': 'session-hash',
    'data.valDays': '',
    'data.testDays': '',
    'data.heldOutFraction': '0.2',
    'data.testFraction': '0.3',
    'train.maxSteps': '4',
  });
  const run = (await train({ config: hashed, ...quiet })).runFolder;
  const ids = await collectIds('2018-07-15');
  // Buckets 0..1999 validate, 2000..4999 test (FNV-1a of the id, mod 10,000), the rest train.
  const testIds = ids.filter((id) => hashString(id) % 10_000 >= 2000 && hashString(id) % 10_000 < 5000);
  assert.ok(testIds.length > 20 && testIds.length < ids.length / 2, `${testIds.length} of ${ids.length}`);
  const { summary } = await evaluateLogged({ checkpoint: run, days: ['2018-07-15'] });
  assert.is(summary.sessions, testIds.length);
  const { summary: all } = await evaluateLogged({ checkpoint: run });
  assert.is(all.sessions, testIds.length + (await collectIds('2018-07-16')).filter((id) => hashString(id) % 10_000 >= 2000 && hashString(id) % 10_000 < 5000).length);

  // A run from before the test share existed has no sessions that no choice saw: --days is refused, clearly.
  const checkpoint = resolveCheckpoint(run);
  const manifestPath = join(checkpoint, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  delete manifest.config.data.testFraction;
  writeFileSync(manifestPath, JSON.stringify(withManifestCrc(manifest))); // resealed: an old run, not a damaged one
  const err = await evaluateCheckpoint({ checkpoint: run, days: ['2018-07-15'], log: () => {} }).catch((e) => e);
  assert.instance(err, UserError);
  assert.match(err.message, /no test share \(data\.testFraction\).*training and validation sessions/);
});

/** The track table as one CSV, rows in the given order. */
async function writeTracksCsv(path: string, order: (n: number) => number[], tweak?: (row: string[], i: number) => void) {
  const table = await loadTrackTable(tracks);
  const lines = [TRACK_COLUMNS.join(',')];
  for (const i of order(table.ids.length)) {
    const row = [table.ids[i], ...Array.from(table.features.subarray(i * table.width, (i + 1) * table.width), String)];
    tweak?.(row, i);
    lines.push(row.join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

test('the same checkpoint with the track table in another row order gives identical scores', async () => {
  const forward = join(root, 'tracks-forward.csv');
  const reversed = join(root, 'tracks-reversed.csv');
  await writeTracksCsv(forward, (n) => Array.from({ length: n }, (_, i) => i));
  await writeTracksCsv(reversed, (n) => Array.from({ length: n }, (_, i) => n - 1 - i));
  const a = await evaluateLogged({ checkpoint: runA, tracks: forward });
  const b = await evaluateLogged({ checkpoint: runA, tracks: reversed });
  assert.ok(a.summary.sessions > 20);
  assert.is(b.summary.model.maa, a.summary.model.maa);
  assert.equal(b.summary.model, a.summary.model, 'every metric, log loss included');
  assert.equal([a.warnings, b.warnings], [[], []], 'the same tracks in another order are the same table');

  // The batches carry the hashed id, whatever the row.
  const ctx = await loadDataContext({ ...a.checkpoint.config, data: { ...a.checkpoint.config.data, tracks: reversed } }, { stats: a.checkpoint.stats, log: () => {} });
  for await (const batch of evalBatches(ctx, { view: 'per-position', split: 'test' })) {
    const first = batch.trackIndex[0];
    const [session] = await collectSession(batch.sessionIds[0]);
    assert.is(first, trackKey(session));
    break;
  }

  const changed = join(root, 'tracks-changed.csv');
  await writeTracksCsv(changed, (n) => Array.from({ length: n }, (_, i) => i), (row, i) => i === 0 && (row[1] = '123.5'));
  const c = await evaluateLogged({ checkpoint: runA, tracks: changed });
  assert.is(c.warnings.length, 1);
  assert.match(c.warnings[0], /the track table \(\d+ tracks\) differs from the one .* was trained with/);
});

async function collectSession(id: string): Promise<string[]> {
  for await (const s of readSessions(logs, {})) if (s.id === id) return [s.rows[0].trackId];
  throw new Error(`no session ${id}`);
}

test('a checkpoint whose embedding was keyed by table row is a clear error, not silent garbage', async () => {
  const copy = join(root, 'old-checkpoint');
  const checkpoint = resolveCheckpoint(runB);
  const { cpSync } = await import('node:fs');
  cpSync(checkpoint, copy, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8'));
  delete manifest.trackKey;
  writeFileSync(join(copy, 'manifest.json'), JSON.stringify(withManifestCrc(manifest))); // resealed: an old run, not a damaged one
  const err = await readCheckpoint(copy).catch((e) => e);
  assert.instance(err, UserError);
  assert.match(err.message, /keyed by the row of the track table.*train it again/);
});

test('several checkpoints evaluate as an ensemble: mean probability, shown with each member', async () => {
  const single = [(await evaluateLogged({ checkpoint: runA })).summary, (await evaluateLogged({ checkpoint: runB })).summary];
  const { summary } = await evaluateLogged({ checkpoint: [runA, runB] });
  assert.is(summary.members?.length, 2);
  assert.equal(summary.members!.map((m) => m.metrics), single.map((s) => s.model));
  assert.equal(summary.baselines, single[0].baselines);
  assert.ok('model' in summary && 'byPosition' in summary && 'calibration' in summary, 'the --json shape keeps its fields');
  const table = formatSummaryTable(summary);
  assert.match(table, /^ensemble of 2 /m);
  assert.match(table, /^ {2}member 1 /m);
  assert.match(table, /^ {2}member 2 /m);

  // The ensemble's probabilities are the members' mean.
  const ensemble = await loadEnsemble([runA, runB]);
  const ctx = await loadDataContext(ensemble.config, { stats: ensemble.stats, log: () => {} });
  for await (const batch of evalBatches(ctx, { view: 'challenge', split: 'test' })) {
    const [p, q] = await Promise.all(ensemble.members.map((m) => predictProbabilities(m.model, batch)));
    const mean = await ensemble.predict(batch);
    for (let i = 0; i < mean.length; i++) assert.ok(Math.abs(mean[i] - (p[i] + q[i]) / 2) < 1e-6);
    assert.ok(p.some((v, i) => v !== q[i]), 'the members differ');
    break;
  }
  await ensemble.dispose();

  // Members trained on other sessions are encoded differently: refused.
  const other = (await train({ config: dated({ experiment: 'other', 'data.trainDays': '2018-07-15,2018-07-17', 'data.testDays': '2018-07-16' }), ...quiet })).runFolder;
  const err = await evaluateCheckpoint({ checkpoint: [runA, other], log: () => {} }).catch((e) => e);
  assert.instance(err, UserError);
  assert.match(err.message, /cannot ensemble .* feature statistics differ/);
});

test('predict takes several checkpoints: the mean probability (a model twice predicts as the model once)', async () => {
  // The tiny config's synthetic data again (same seed and catalogue), now with a challenge test set.
  const { testSet } = await writeSynth({ out: join(root, 'with-test'), sessions: 300, days: 3, seed: 3, tracks: 400, testSet: true });
  const predict = async (checkpoint: string[], out: string) => {
    await predictSubmission({ checkpoint, prehistory: testSet!.prehistory, input: testSet!.input, out: join(root, out), log: () => {} });
    return readFileSync(join(root, out), 'utf8').trim().split('\n');
  };
  const once = await predict([runA], 'once.txt');
  const twice = await predict([runA, runA], 'twice.txt');
  const pair = await predict([runA, runB], 'pair.txt');
  assert.ok(once.length > 5);
  assert.equal(twice, once);
  assert.is(pair.length, once.length);
  assert.equal(pair.map((l) => l.length), once.map((l) => l.length));
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
