// Run by webgpu.test.ts in a child process: an engine used after its buffers were destroyed makes WebGPU validation
// errors; the read that follows must throw GpuError (exit 1 with our message), never print a number.
import { selectBackend } from '../../../src/models/backend.ts';
import { createModel } from '../../../src/models/model.ts';
import { createGpuEngine, engineBatch } from '../../../src/models/engineModel.ts';
import { randomBatch, tinyLstm } from '../../helpers/tinyModels.ts';

await selectBackend('webgpu', () => {});
const model = createModel(tinyLstm, 5, 1);
const engine = await createGpuEngine(model);
engine.destroy();
try {
  const values = await engine.logits(engineBatch(randomBatch(2, 4, 5, 1)));
  console.log(`read back: ${values[0]}`);
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
}
