// Entry point of the GPU bundle (.gpu/main.mjs, built by build-bundle.sh): one file holds every step that
// on-device.sh runs, so the device needs only the bundled node binary and this folder, no npm install.
//   probe                        does a WebGPU adapter exist, and does the WebGPU engine compute the tf-ops gradients on it?
//   bench [options]              the trainer's step per backend and batch, and PyTorch on CUDA (bench.ts)
//   loss-curve [options]         the same 200-step training run on wasm and webgpu, losses compared
//   summarize <dir>              ratios from the JSON lines on-device.sh collected
// Each subcommand is imported lazily so that, e.g., `probe` does not run the bench's top-level code.
import { isUserFacing } from '../../src/errors.ts';

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, () => Promise<unknown>> = {
  probe: () => import('./probe.ts').then((m) => m.runProbe()),
  bench: () => import('./bench.ts').then((m) => m.runGpuBench(rest)),
  'loss-curve': () => import('./lossCurve.ts').then((m) => m.runLossCurveCli(rest)),
  summarize: () => import('./summarize.ts').then((m) => m.runSummarizeCli(rest)),
};
const run = command === undefined ? undefined : commands[command];
if (!run) {
  console.error(`usage: node main.mjs <${Object.keys(commands).join('|')}> [options]`);
  process.exit(2);
}
try {
  await run();
  // dawn.node can keep the event loop alive after the last GPU call; the work is done, so leave explicitly.
  process.exit(process.exitCode ?? 0);
} catch (e) {
  // User-facing errors carry a complete message; anything else is a bug, so keep its stack.
  console.error(isUserFacing(e) ? e.message : ((e as Error)?.stack ?? String(e)));
  process.exit(1);
}
