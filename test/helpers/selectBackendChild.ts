// Run as a child process by test/unit/models/backend.test.ts: selects the backend named in argv[2] (auto by
// default) in a fresh process — the native addon gets loaded by auto, and each process selects only once — and
// prints what happened as one JSON line.
import * as tf from '@tensorflow/tfjs';
import { activeBackend, selectBackend } from '../../src/models/backend.ts';

const lines: string[] = [];
try {
  const r = await selectBackend((process.argv[2] ?? 'auto') as Parameters<typeof selectBackend>[0], (l) => lines.push(l));
  console.log(JSON.stringify({ lines, name: r.name, active: activeBackend(), tfjs: tf.getBackend() }));
} catch (e) {
  console.log(JSON.stringify({ lines, error: (e as Error).message, kind: (e as Error).constructor.name }));
}
