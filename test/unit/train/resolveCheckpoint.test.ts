import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveCheckpoint } from '../../../src/train/checkpoint.ts';

test('an experiment folder is named as such, with its runs, instead of a bare "no checkpoint"', () => {
  const exp = join(mkdtempSync(join(tmpdir(), 'resolve-')), 'lstm');
  for (const run of ['20261125-090000', '20261125-100000']) {
    mkdirSync(join(exp, run, 'checkpoints'), { recursive: true });
    writeFileSync(join(exp, run, 'config.yaml'), 'experiment: lstm\n');
  }
  assert.throws(() => resolveCheckpoint(exp), (e: Error) => /is an experiment folder: name one of its runs, e\.g\. .*20261125-100000/.test(e.message));
  assert.throws(() => resolveCheckpoint(join(exp, '20261125-100000')), /no checkpoint found/);
  assert.throws(() => resolveCheckpoint(join(exp, 'nope')), /no such run folder or checkpoint/);
});

test.run();
