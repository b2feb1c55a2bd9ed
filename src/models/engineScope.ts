// What the engines (native, webgpu) run: the LSTM and the Transformer with the binary heads. Anything else trains and
// predicts in TensorFlow.js; the trainer says why, and config validation refuses the engines' own settings for it.
import { hasReasonEndHead, type AuxTargets } from './auxTargets.ts';
import type { ModelConfig } from './modelConfig.ts';

/** What of this model the engines do not run, as a phrase ("the encoder-decoder"), or null when they run it all. */
export function engineRefusal(cfg: ModelConfig, aux: AuxTargets): string | null {
  if (cfg.type === 'encoder-decoder') return 'the encoder-decoder';
  if (hasReasonEndHead(aux)) return 'the hist_user_behavior_reason_end head (train.auxTargets)';
  return null;
}
