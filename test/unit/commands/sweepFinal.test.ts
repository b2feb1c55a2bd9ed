// The --final table: per configuration the seeds' mean ± sample sd, the 3-seed ensemble, and the ensemble of all.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatFinalTable, type FinalResult } from '../../../src/commands/sweepFinal.ts';

const block = (maa: number, fpa: number) => ({ maa, fpa, accuracy: 0, auc: 0, logLoss: 0 });

test('mean ± sd over the seeds, the ensembles, and the values of each configuration', () => {
  const result: FinalResult = {
    testDays: ['2018-07-19'],
    rows: [
      { trial: 'trial-004', values: { 'train.lr': 0.002 }, validation: 0.56, runs: ['a', 'b', 'c'], seeds: [block(0.5, 0.7), block(0.52, 0.72), block(0.54, 0.74)], ensemble: block(0.53, 0.73) },
      { trial: 'trial-001', values: { 'train.lr': 0.01 }, validation: 0.55, runs: ['d', 'e', 'f'], seeds: [block(0.5, 0.7), block(0.5, 0.7), block(0.5, 0.7)], ensemble: block(0.5, 0.7) },
    ],
    all: block(0.525, 0.725),
  };
  const lines = formatFinalTable(result, 'val/mean_average_accuracy').split('\n');
  assert.is(lines[0], 'test days 2018-07-19 (data.testDays); mean ± sd over seeds');
  assert.match(lines[1], /^config +val mean_average_accuracy +test MAA \(3 seeds\) +test FPA \(3 seeds\) +ensemble MAA +ensemble FPA +values$/);
  assert.match(lines[2], /^trial-004 +0\.5600 +0\.5200 ± 0\.0200 +0\.7200 ± 0\.0200 +0\.5300 +0\.7300 +train\.lr=0\.002$/);
  assert.match(lines[3], /^trial-001 +0\.5500 +0\.5000 ± 0\.0000 +0\.7000 ± 0\.0000 +0\.5000 +0\.7000 +train\.lr=0\.01$/);
  assert.match(lines[4], /^all 2×3 +0\.5250 +0\.7250 +ensemble of every model above$/);
});

test.run();
