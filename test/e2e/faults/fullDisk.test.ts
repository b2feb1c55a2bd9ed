// `skiptrain train` with its checkpoints on a real full disk: a 4 MB tmpfs holds two checkpoints of this model, not a
// third. The run exits 1 with one line naming the checkpoint it could not write and the last complete one — no stack
// trace, no temp folder, no lock left behind — and `--resume` continues from there once there is space. Needs a
// tmpfs mount (root); skipped with a notice where there is none. (The writers in-process: test/unit/train/writeFailures.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { configToYaml } from '../../../src/config/yaml.ts';
import { readCheckpoint, resolveCheckpoint } from '../../../src/train/checkpoint.ts';
import { tinyConfig } from '../../helpers/tinyConfig.ts';
import { mountTmpfs, tmpfsTest } from '../../helpers/tmpfs.ts';

const root = mkdtempSync(join(tmpdir(), 'skiptrain-full-disk-'));
const withTmpfs = tmpfsTest(test, 'test/e2e/faults/fullDisk.test.ts');

function cli(args: string[]) {
  const child = spawn(process.execPath, ['bin/skiptrain.js', 'train', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Every path under `dir`, relative to it. */
const allPaths = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String);

withTmpfs('checkpoints on a full disk: one line, the last complete checkpoint, nothing half-written; --resume after freeing space', async () => {
  const disk = mountTmpfs('size=4m');
  try {
    // 16,384 track buckets × 8: about 1.6 MB a checkpoint (weights and both Adam moments); all of them kept.
    const config = tinyConfig(root, { checkpoints: disk.dir, 'model.trackBuckets': '16384', 'model.trackEmbedding': '8', 'train.epochs': '1', 'train.keepLast': '10' });
    const configFile = join(root, 'full-disk.yaml');
    writeFileSync(configFile, configToYaml(config));
    const failed = await cli(['--config', configFile]);
    assert.is(failed.code, 1, failed.stderr);
    const [name] = readdirSync(join(disk.dir, 'tiny'));
    const run = join(disk.dir, 'tiny', name);
    const latest = basename(resolveCheckpoint(run));
    const lastStep = Number(latest.slice('step-'.length));
    const errors = failed.stderr.split('\n').filter((line) => line.startsWith('error:'));
    assert.equal(errors, [
      `error: cannot write ${join(run, 'checkpoints', `step-${String(lastStep + 4).padStart(8, '0')}`)}: no space left on device (ENOSPC); ` +
        `the last complete checkpoint is step ${lastStep} (continue with: skiptrain train --resume ${run})`,
    ]);
    assert.ok(lastStep >= 4, `at least one checkpoint fit (${latest})`);
    assert.not.match(failed.stderr, /^\s+at /m, 'no stack trace');
    assert.equal(allPaths(run).filter((p) => p.includes('.tmp') || p.endsWith('train.lock')), [], 'no temp folder, no lock');

    disk.remount('size=64m');
    const resumed = await cli(['--resume', run]);
    assert.is(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, `resuming ${run} at step ${lastStep}`);
    const finished = await readCheckpoint(run);
    assert.is(finished.manifest.epoch, 1);
    assert.ok(finished.manifest.step > lastStep);
  } finally {
    disk.unmount();
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
