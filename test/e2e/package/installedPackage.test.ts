// skiptrain as a user installs it: `npm pack` of this checkout, the tarball installed into an empty folder
// (scripts/packInstall.ts: `npm install --offline` from npm's cache, else from the registry), then the installed
// command: it runs the compiled dist/ (no tsx there), `--help` lists the commands, and `npx skiptrain demo` trains and
// scores. The package holds what a user runs and no tests. Skipped with a notice when neither install works.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installPackedCopy } from '../../../scripts/packInstall.ts';

const scratch = mkdtempSync(join(tmpdir(), 'skiptrain-package-'));
const copy = installPackedCopy(scratch);

if ('skipped' in copy) {
  console.log(`notice: installed-package tests skipped (${copy.skipped})`);
  test.skip('the packed and installed command', () => {});
} else {
  const installed = join(copy.folder, 'node_modules', 'skiptrain');

  test('the package holds dist/, bin/, configs/, docs, README, LICENSE and the native sources — no tests, no tsx or uvu at run time', () => {
    const files = spawnSync('tar', ['tzf', copy.tarball], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const needed of ['package/dist/cli.js', 'package/dist/.built', 'package/bin/skiptrain.js', 'package/configs/lstm.yaml', 'package/README.md', 'package/LICENSE', 'package/docs/gpu.md', 'package/binding.gyp', 'package/src/kernels/native/engine.c', 'package/scripts/buildNative.mjs']) {
      assert.ok(files.includes(needed), `${needed} in the tarball`);
    }
    assert.not.ok(files.some((f) => f.startsWith('package/test/')), 'no tests');
    assert.not.ok(files.some((f) => f.startsWith('package/src/') && f.endsWith('.ts')), 'no TypeScript sources');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    for (const dev of ['tsx', 'uvu', 'typescript']) assert.not.ok(dev in manifest.dependencies, `${dev} is not a run-time dependency`);
    assert.not.ok(existsSync(join(copy.folder, 'node_modules', 'tsx')), 'tsx was not installed');
  });

  test('the installed command runs: --help lists the commands, and `npx skiptrain demo` trains and scores', () => {
    const help = spawnSync(copy.bin, ['--help'], { encoding: 'utf8' });
    assert.is(help.status, 0, help.stderr);
    for (const command of ['demo', 'train', 'evaluate', 'predict', 'inspect']) assert.match(help.stdout, `skiptrain ${command}`);
    const demo = spawnSync('npx', ['skiptrain', 'demo', '--sessions', '1000', '--epochs', '1'], { cwd: copy.folder, encoding: 'utf8' });
    assert.is(demo.status, 0, demo.stderr);
    assert.match(demo.stdout, /^model\s+\d\.\d{4}/m);
    assert.ok(existsSync(join(copy.folder, '.cache', 'synth', 'demo', 'training_set.tar.gz')), 'the demo data in the working folder');
  });
}

test.after(() => rmSync(scratch, { recursive: true, force: true }));
test.run();
