// Which models the engines run (kernels/native: C on the CPU; kernels/webgpu: WGSL on a GPU); the others train and
// predict in TensorFlow.js. The one rule the steppers, the trainer's log line and the config's checks read; apart
// from engineModel.ts so that reading a config does not load the engines.
import { hasReasonEndHead, type AuxTargets } from './auxTargets.ts';
import type { ModelConfig } from './modelConfig.ts';

export type EngineName = 'native' | 'webgpu';

/**
 * What of the model `engine` does not run, as a phrase ('the encoder-decoder'), or null when it runs it all: the
 * engines run the causal models (LSTM or GRU cells, the Transformer) with the binary heads.
 */
export function engineLacks(engine: EngineName, cfg: Pick<ModelConfig, 'type'>, aux: AuxTargets): string | null {
  if (cfg.type === 'encoder-decoder') return 'the encoder-decoder';
  if (hasReasonEndHead(aux)) return 'the hist_user_behavior_reason_end head (train.auxTargets)';
  return null;
}
