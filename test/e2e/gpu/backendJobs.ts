// Run by webgpu.test.ts as a child process: selects one backend (argv[2]) once, then runs the jobs in argv[3] (JSON)
// in this process — training runs and checkpoint evaluations, the library calls behind `skiptrain train|evaluate` —
// and prints one JSON line per job. One process per backend: a WebGPU device and its compiled shaders are set up
// once (on lavapipe that is most of a short run's time).
import type { Backend } from '../../../src/config/schema.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { evaluateCheckpoint } from '../../../src/eval/evaluateCheckpoint.ts';
import { selectBackend } from '../../../src/models/backend.ts';
import { train } from '../../../src/train/trainer.ts';
import { readCheckpoint } from '../../../src/train/checkpoint.ts';

/** `checkpoint: '$N'` evaluates the checkpoint that job N of the same list wrote. */
export type Job = { kind: 'train'; config: string; resume?: string; maxSteps?: number } | { kind: 'evaluate'; checkpoint: string };

const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } };
const backend = (await selectBackend(process.argv[2] as Backend, () => {})).name;
const written: string[] = [];
for (const job of JSON.parse(process.argv[3]) as Job[]) {
  if (job.kind === 'train') {
    const overrides = { backend, ...(job.maxSteps ? { 'train.maxSteps': String(job.maxSteps) } : {}) };
    const config = loadConfig(job.config, overrides);
    const r = await train({ config, resume: job.resume, ...quiet });
    const checkpoint = (await readCheckpoint(r.runFolder)).path;
    written.push(checkpoint);
    console.log(JSON.stringify({ ...job, backend, runFolder: r.runFolder, checkpoint, step: r.step }));
  } else {
    const path = job.checkpoint.startsWith('$') ? written[Number(job.checkpoint.slice(1))] : job.checkpoint;
    const { summary } = await evaluateCheckpoint({ checkpoint: path, log: () => {} });
    written.push(path);
    console.log(JSON.stringify({ ...job, checkpoint: path, backend, maa: summary.model.maa }));
  }
}
