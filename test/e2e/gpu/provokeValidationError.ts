// Run by webgpu.test.ts in a child process: an AddN wider than the device's storage-buffer limit is a WebGPU
// validation error; reading its result must throw GpuError (exit 1 with our message), never print a number.
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/models/backend.ts';
import { readTensor } from '../../../src/models/webgpu.ts';

await selectBackend('webgpu', () => {});
const inputs = Array.from({ length: 40 }, (_, i) => tf.fill([64], i));
try {
  const values = await readTensor(tf.addN(inputs));
  console.log(`read back: ${values[0]}`);
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
}
