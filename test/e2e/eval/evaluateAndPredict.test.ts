// End to end on the built-in synthetic data: train a very small model, evaluate it against the baselines, write a
// submission for the synthetic challenge test set and score it against the ground truth on disk, and the error
// cases around checkpoints and test files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/models/backend.ts';
import { DEFAULTS, type Config } from '../../../src/config/schema.ts';
import { ChallengeScore } from '../../../src/data/format/challenge.ts';
import { LOG_COLUMNS } from '../../../src/data/format/columns.ts';
import { writeSynth } from '../../../src/data/synth/index.ts';
import { DataError, UserError } from '../../../src/errors.ts';
import { BASELINE_NAMES } from '../../../src/eval/baselines.ts';
import { evaluateCheckpoint } from '../../../src/eval/evaluateCheckpoint.ts';
import { METRIC_KEYS } from '../../../src/eval/evaluation.ts';
import { predictSubmission } from '../../../src/eval/predictSubmission.ts';
import { train } from '../../../src/train/trainer.ts';
import { resolveCheckpoint } from '../../../src/train/checkpoint.ts';
import { logLine } from '../../helpers/dataFixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'eval-e2e-'));
const quiet = () => {};
const nullStream = { write: () => true, isTTY: false };

function smallConfig(): Config {
  const c: Config = structuredClone(DEFAULTS);
  c.experiment = 'e2e';
  c.checkpoints = join(root, 'runs');
  c.backend = 'cpu';
  c.data.logs = join(root, 'data', 'training_set.tar.gz');
  c.data.tracks = join(root, 'data', 'track_features.tar.gz');
  c.data.synth = { ...c.data.synth, sessions: 0 };
  c.data.heldOutDays = ['2018-07-17'];
  c.data.shuffleBuffer = 256;
  c.model = { ...c.model, hidden: 32, dropout: 0, auxWeight: 0.3 };
  c.train = { ...c.train, epochs: 4, batchSize: 32, lr: 0.01, warmupSteps: 5, logEvery: 5, checkpointEvery: 0, histogramEvery: 0 };
  return c;
}

/** Every file under a folder with its size and mtime, to prove evaluation leaves the run folder alone. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else out.push(`${relative(dir, p)} ${s.size} ${s.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

// Training days 2018-07-15..16, held out 2018-07-17, and a challenge test day from the same track catalogue.
// One file per day: the challenge test set takes one file's share of sessions, 500 here.
const synth = await writeSynth({ out: join(root, 'data'), sessions: 1500, days: 3, seed: 11, tracks: 400, testSet: true, filesPerDay: 1 });
const testSet = synth.testSet!;
let runFolder = '';
let backendBefore = '';

// Train when the suite runs (not at import, when other files may still switch backends), on wasm: about ten times
// faster than the pure-JS cpu backend. The previous backend is restored for the suites that follow.
test.before(async () => {
  backendBefore = tf.getBackend();
  await selectBackend('wasm', quiet);
  runFolder = (await train({ config: smallConfig(), log: quiet, progressStream: nullStream })).runFolder;
});
test.after(async () => {
  if (backendBefore) await tf.setBackend(backendBefore);
});

/**
 * The model's lead over the closest baseline, seeds 1-5 (data seed 11-15, train seed 1-5): accuracy +0.020, +0.027,
 * +0.030, +0.024, +0.012 (mean 0.023, sd 0.007: only "better" is asserted); AUC +0.073..+0.077 (mean 0.075, sd 0.002);
 * log loss −0.139..−0.163 (mean 0.150, sd 0.009); MAA over the three weaker baselines +0.122..+0.164 (mean 0.150,
 * sd 0.017; over lastSkip +0.009..+0.020, mean 0.012, sd 0.004). Each bar is below min − 3 sd.
 */
const MARGINS = { auc: 0.06, logLoss: 0.1, maa: 0.07 };

test('on synthetic data the trained model beats every baseline, on the same sessions', async () => {
  const before = snapshot(runFolder);
  const { summary } = await evaluateCheckpoint({ checkpoint: runFolder, log: quiet });
  assert.ok(summary.sessions > 100, `only ${summary.sessions} sessions`);
  for (const name of BASELINE_NAMES) {
    const b = summary.baselines[name];
    // The protocol the model was trained for (per-position): better than every baseline, by the margins of MARGINS.
    assert.ok(summary.model.accuracy > b.accuracy, `accuracy: model ${summary.model.accuracy} vs ${name} ${b.accuracy}`);
    assert.ok(summary.model.auc > b.auc + MARGINS.auc, `AUC: model ${summary.model.auc} vs ${name} ${b.auc}`);
    assert.ok(summary.model.logLoss < b.logLoss - MARGINS.logLoss, `log loss: model ${summary.model.logLoss} vs ${name} ${b.logLoss}`);
    // The challenge protocol: repeating the last known skip is a strong MAA baseline that this small per-position
    // model beats by too little to assert (it wins on per-position accuracy at almost every hidden offset, but MAA
    // rewards lastSkip's all-or-nothing sessions), so MAA is checked against the other three.
    if (name !== 'lastSkip') assert.ok(summary.model.maa > b.maa + MARGINS.maa, `MAA: model ${summary.model.maa} vs ${name} ${b.maa}`);
  }
  assert.equal(snapshot(runFolder), before);
});

test('skiptrain evaluate --json writes the documented shape; --report the HTML and metrics.json', () => {
  const out = join(root, 'eval-out');
  const before = snapshot(runFolder);
  const r = spawnSync(
    process.execPath,
    ['bin/skiptrain.js', 'evaluate', '--checkpoint', runFolder, '--backend', 'wasm', '--max-sessions', '60', '--json', join(out, 'e.json'), '--report', join(out, 'report.html')],
    { encoding: 'utf8' },
  );
  assert.is(r.status, 0, r.stderr);
  for (const word of ['MAA', 'FPA', 'AUC', 'log loss', 'model', ...BASELINE_NAMES]) assert.ok(r.stdout.includes(word), word);
  const json = JSON.parse(readFileSync(join(out, 'e.json'), 'utf8'));
  assert.is(json.sessions, 60);
  assert.equal(Object.keys(json.model), [...METRIC_KEYS]);
  assert.equal(Object.keys(json.baselines).sort(), [...BASELINE_NAMES].sort());
  for (const block of Object.values(json.baselines)) assert.equal(Object.keys(block as object), [...METRIC_KEYS]);
  assert.ok(json.byPosition.length >= 10 && json.byPosition.every((p: { rows: number }) => p.rows > 0));
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.ok(html.includes('Training curves: loss'), 'training curves from the event files');
  assert.ok((html.match(/<svg/g) ?? []).length >= 4);
  assert.equal(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).model, json.model);
  assert.equal(snapshot(runFolder), before);
});

/**
 * The challenge test day as one ordinary log file, for `evaluate --logs`: the prehistory rows as written, and each
 * hidden row from the input file (session, position, track) with its skip_2 from the ground truth. The hidden rows'
 * other columns are placeholders: the challenge view must not read them, so the scores cannot depend on them.
 */
function testDayAsLog(prehistoryPath: string, inputPath: string, truthPath: string, out: string): void {
  const pre = readFileSync(prehistoryPath, 'utf8').trimEnd().split('\n');
  const input = readFileSync(inputPath, 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(','));
  const truth = readFileSync(truthPath, 'utf8').trimEnd().split('\n');
  const date = pre[1].split(',')[LOG_COLUMNS.indexOf('date')];
  const known = new Map<string, string[]>();
  for (const row of pre.slice(1)) known.set(row.split(',')[0], [...(known.get(row.split(',')[0]) ?? []), row]);
  const lines = [pre[0]];
  let session = -1;
  let previous = '';
  for (const [id, position, length, track] of input) {
    if (id !== previous) {
      session++;
      previous = id;
      lines.push(...(known.get(id) ?? []));
    }
    const hidden = Number(position) - (Math.floor(Number(length) / 2) + 1);
    lines.push(logLine({ session: id, position: Number(position), length: Number(length), track, skip2: truth[session][hidden] === '1', date }));
  }
  assert.is(session + 1, truth.length, 'one truth line per input session');
  writeFileSync(out, lines.join('\n') + '\n');
}

/** MAA and FPA of a submission against the ground-truth file, line by line (the organisers' scoring). */
function scoreSubmission(submission: string[], truth: string[]): { maa: number; fpa: number } {
  const score = new ChallengeScore();
  submission.forEach((line, i) => score.add([...line].map(Number), [...truth[i]].map(Number)));
  return { maa: score.maa, fpa: score.fpa };
}

test('predict writes one 0/1 line per test session; scored against the ground truth it matches evaluate and beats the trivial baselines', async () => {
  const dir = join(root, 'data', 'test_set');
  const out = join(root, 'predict', 'submission.txt');
  const { sessions } = await predictSubmission({
    checkpoint: runFolder,
    prehistory: [join(dir, 'log_prehistory_*.csv')],
    input: [join(dir, 'log_input_*.csv')],
    out,
    log: quiet,
  });
  const lines = readFileSync(out, 'utf8').split('\n');
  assert.is(lines.pop(), ''); // ends with a newline
  const truth = readFileSync(testSet.truth[0], 'utf8').trim().split('\n');
  assert.ok(truth.length > 100, `${truth.length} test sessions`);
  assert.is(lines.length, truth.length);
  assert.is(sessions, truth.length);
  lines.forEach((line, i) => {
    assert.match(line, /^[01]+$/);
    assert.is(line.length, truth[i].length, `line ${i + 1}`);
  });

  const scored = scoreSubmission(lines, truth);
  const day = testSet.prehistory[0].match(/_(\d{8})_/)![1];
  const log = join(root, 'test-day', `log_0_${day}_000000000000.csv`);
  mkdirSync(dirname(log), { recursive: true });
  testDayAsLog(testSet.prehistory[0], testSet.input[0], testSet.truth[0], log);
  const { summary } = await evaluateCheckpoint({ checkpoint: runFolder, logs: log, log: quiet });
  assert.is(summary.sessions, truth.length);
  // The same probabilities thresholded the same way: equal up to the order of the sums.
  assert.ok(Math.abs(scored.maa - summary.model.maa) < 1e-12, `MAA: submission ${scored.maa}, evaluate ${summary.model.maa}`);
  assert.ok(Math.abs(scored.fpa - summary.model.fpa) < 1e-12, `FPA: submission ${scored.fpa}, evaluate ${summary.model.fpa}`);
  // Trivial baselines on the same sessions (lastSkip is not trivial, see the first test). Seeds 1-5: the submission
  // leads never-skip by +0.145..+0.249 MAA and always-skip by +0.121..+0.165.
  for (const name of ['random', 'majority', 'positionRate'] as const) {
    assert.ok(scored.maa > summary.baselines[name].maa, `MAA: submission ${scored.maa} vs ${name} ${summary.baselines[name].maa}`);
  }
  const allZeros = scoreSubmission(truth.map((t) => '0'.repeat(t.length)), truth);
  assert.ok(scored.maa > allZeros.maa, `MAA: submission ${scored.maa} vs never-skip ${allZeros.maa}`);
});

test('prehistory and input that do not match: a DataError and no submission', async () => {
  const [pre] = testSet.prehistory;
  const [input] = testSet.input;
  const broken = join(root, 'broken');
  cpSync(pre, join(broken, pre.split('/').pop()!));
  // Drop the input's first session: the two files then list different sessions.
  const rows = readFileSync(input, 'utf8').trimEnd().split('\n');
  const first = rows[1].split(',')[0];
  writeFileSync(join(broken, input.split('/').pop()!), [rows[0], ...rows.slice(1).filter((r) => !r.startsWith(`${first},`))].join('\n') + '\n');
  const out = join(root, 'broken-out', 'submission.txt');
  await predictSubmission({
    checkpoint: runFolder,
    prehistory: [join(broken, 'log_prehistory_*.csv')],
    input: [join(broken, 'log_input_*.csv')],
    out,
    log: quiet,
  }).then(
    () => assert.unreachable('should fail'),
    (e) => assert.ok(e instanceof DataError, String(e)),
  );
  assert.not.ok(existsSync(out));
});

test('scoring a training day warns that the scores are optimistic', async () => {
  const lines: string[] = [];
  const { summary } = await evaluateCheckpoint({ checkpoint: runFolder, days: ['2018-07-16'], maxSessions: 20, log: (l) => lines.push(l) });
  assert.is(summary.sessions, 20);
  assert.ok(lines.some((l) => /2018-07-16 is a training day/.test(l)), lines.join('\n'));
});

test('a missing or truncated checkpoint, or days absent from the data: a clear UserError', async () => {
  const missing = join(root, 'runs', 'e2e', 'no-such-run');
  await evaluateCheckpoint({ checkpoint: missing, log: quiet }).then(
    () => assert.unreachable('missing'),
    (e) => assert.ok(e instanceof UserError && e.message.includes(missing), String(e)),
  );
  const copy = join(root, 'truncated-run');
  cpSync(runFolder, copy, { recursive: true });
  const bin = join(resolveCheckpoint(copy), 'tensors.bin');
  truncateSync(bin, Math.floor(statSync(bin).size / 2));
  await evaluateCheckpoint({ checkpoint: copy, log: quiet }).then(
    () => assert.unreachable('truncated'),
    (e) => assert.ok(e instanceof UserError && /truncated/.test(e.message), String(e)),
  );
  await evaluateCheckpoint({ checkpoint: runFolder, days: ['2018-09-18'], log: quiet }).then(
    () => assert.unreachable('absent day'),
    (e) => assert.ok(e instanceof UserError && e.message.includes('2018-09-18'), String(e)),
  );
});

test('the command line: a missing checkpoint exits 1 with the message and no stack; nothing written', () => {
  const json = join(root, 'cli-err', 'e.json');
  const r = spawnSync(process.execPath, ['bin/skiptrain.js', 'evaluate', '--checkpoint', join(root, 'nope'), '--backend', 'cpu', '--json', json], {
    encoding: 'utf8',
  });
  assert.is(r.status, 1);
  assert.match(r.stderr, /error: .*nope/);
  assert.not.match(r.stderr, /\n\s+at /);
  assert.not.ok(existsSync(json));
});

test.run();
