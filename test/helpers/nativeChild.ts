// Tests that load the native addon run in a child process each, so a crash in native code fails one named test
// instead of ending the whole run. A test file lists its cases with nativeCases(); run as the suite it registers one
// uvu test per case that starts `node <the same file> --native-case <name>`, and run that way it executes the case.
// Where the addon is not built (a clone whose compiler failed), the cases are skipped with a notice, unless
// SKIPTRAIN_REQUIRE_NATIVE=1 (CI) makes that a failure.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nativeMissing } from '../../src/kernels/native.ts';

export type NativeCase = () => void | Promise<void>;

const CASE_FLAG = '--native-case';

/** Registers (or, in the child, runs) the cases of a test file; `env` adds variables per case. */
export function nativeCases(fileUrl: string, cases: Record<string, NativeCase>, env: Record<string, Record<string, string>> = {}): void {
  const at = process.argv.indexOf(CASE_FLAG);
  if (at >= 0) {
    const name = process.argv[at + 1];
    const run = cases[name];
    if (!run) throw new Error(`no native test case '${name}'`);
    Promise.resolve()
      .then(run)
      .then(
        () => process.exit(0),
        (e) => {
          console.error(e?.stack ?? e);
          process.exit(1);
        },
      );
    return;
  }
  // Only whether it is built: loading it is the children's business.
  const missing = nativeMissing();
  if (missing && process.env.SKIPTRAIN_REQUIRE_NATIVE !== '1') {
    console.log(`notice: native engine tests skipped (${missing})`);
    for (const name of Object.keys(cases)) test.skip(name, () => {});
    test.run();
    return;
  }
  const file = fileURLToPath(fileUrl);
  for (const name of Object.keys(cases)) {
    test(name, () => {
      assert.is(missing, null, 'SKIPTRAIN_REQUIRE_NATIVE=1, but the native addon is not usable');
      const r = spawnSync(process.execPath, ['--import', 'tsx', file, CASE_FLAG, name], {
        encoding: 'utf8',
        env: { ...process.env, ...env[name] },
        maxBuffer: 1 << 26,
      });
      const output = `${r.stdout}${r.stderr}`.trim();
      assert.ok(!r.signal, `the case crashed (${r.signal}):\n${output}`);
      assert.is(r.status, 0, output);
    });
  }
  test.run();
}
