// Tests that load native code (our C engine, or Dawn for the WebGPU engine) run in a child process each, so a
// crash there fails one named test instead of ending the whole run. A test file lists its cases with
// nativeCases() or gpuCases(); run as the suite it registers one uvu test per case that starts
// `node <the same file> --child-case <name>`, and run that way it executes the case. Where the engine cannot run
// here (the addon not built; no WebGPU adapter), the cases are skipped with a notice, unless the variable that
// requires it is set (SKIPTRAIN_REQUIRE_NATIVE=1 in CI) — then that is a failure.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nativeMissing } from '../../src/util/nativeAddon.ts';
import { hasVulkanLoader, probeAdapter } from '../../src/kernels/webgpu/device.ts';

export type ChildCase = () => void | Promise<void>;

const CASE_FLAG = '--child-case';

interface Requirement {
  /** What the cases need, for the notice. */
  what: string;
  /** Why it is unusable here, or null. */
  missing(): string | null;
  /** The environment variable that makes a missing requirement a failure. */
  requiredBy: string;
}

function childCases(fileUrl: string, need: Requirement, cases: Record<string, ChildCase>, env: Record<string, Record<string, string>>): void {
  const at = process.argv.indexOf(CASE_FLAG);
  if (at >= 0) {
    const name = process.argv[at + 1];
    const run = cases[name];
    if (!run) throw new Error(`no test case '${name}'`);
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
  // Only whether it can be loaded at all: loading it is the children's business.
  const missing = need.missing();
  if (missing && process.env[need.requiredBy] !== '1') {
    console.log(`notice: ${need.what} tests skipped (${missing})`);
    for (const name of Object.keys(cases)) test.skip(name, () => {});
    test.run();
    return;
  }
  const file = fileURLToPath(fileUrl);
  for (const name of Object.keys(cases)) {
    test(name, () => {
      assert.is(missing, null, `${need.requiredBy}=1, but the ${need.what} cannot run`);
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

/** Cases that load the native addon; `env` adds variables per case. */
export function nativeCases(fileUrl: string, cases: Record<string, ChildCase>, env: Record<string, Record<string, string>> = {}): void {
  childCases(fileUrl, { what: 'native engine', missing: nativeMissing, requiredBy: 'SKIPTRAIN_REQUIRE_NATIVE' }, cases, env);
}

/** Why no WebGPU adapter opens here (the `webgpu` package, a Vulkan loader and driver on Linux), or null. */
export function webgpuMissing(): string | null {
  try {
    createRequire(import.meta.url).resolve('webgpu');
  } catch {
    return 'webgpu is not installed';
  }
  if (process.platform === 'linux' && !hasVulkanLoader()) return 'no Vulkan loader (libvulkan.so.1); .ci/run installs lavapipe when it runs as root with apt';
  try {
    return probeAdapter() ? null : 'Dawn found no WebGPU adapter (no Vulkan driver, e.g. mesa-vulkan-drivers from bookworm-backports)';
  } catch (e) {
    return (e as Error).message;
  }
}

/** Cases that open the WebGPU engine (on CI: lavapipe, Mesa's software Vulkan device). */
export function gpuCases(fileUrl: string, cases: Record<string, ChildCase>): void {
  childCases(fileUrl, { what: 'WebGPU engine', missing: webgpuMissing, requiredBy: 'SKIPTRAIN_REQUIRE_WEBGPU' }, cases, {});
}
