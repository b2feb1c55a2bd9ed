// The engine's compute pipelines for one model shape, all on one bind group layout (common.ts): compiled once
// when the engine is made, since the kernels take the model's widths as constants.
import type { EngineShape, Precision } from '../engine.ts';
import { ADAM_ARGS, adamKernel, SUM_SQUARES_ARGS, sumSquaresKernel } from './wgsl/adam.ts';
import { ATTENTION_BACKWARD_ARGS, ATTENTION_FORWARD_ARGS, attentionBackwardKernel, attentionForwardKernel } from './wgsl/attention.ts';
import { activationType, type KernelArgs } from './wgsl/common.ts';
import { DROPOUT_ARGS, dropoutKernel, GATHER_ARGS, gatherKernel, POSITIONS_ARGS, positionsKernel, SCATTER_ARGS, scatterKernel } from './wgsl/elementwise.ts';
import { GRU_BACKWARD_ARGS, GRU_FORWARD_ARGS, gruBackwardKernel, gruForwardKernel } from './wgsl/gru.ts';
import { LN_BACKWARD_ARGS, LN_FORWARD_ARGS, LN_PARAMS_ARGS, layerNormBackwardKernel, layerNormForwardKernel, layerNormParamsKernel } from './wgsl/layerNorm.ts';
import { LOSS_ARGS, lossKernel } from './wgsl/loss.ts';
import { LSTM_BACKWARD_ARGS, LSTM_FORWARD_ARGS, lstmBackwardKernel, lstmForwardKernel } from './wgsl/lstm.ts';
import { MATMUL_ARGS, matmulKernel, matmulReduceKernel } from './wgsl/matmul.ts';
import { workgroupFloatsPerRow } from './wgsl/recurrence.ts';

export interface Kernel {
  name: string;
  args: KernelArgs;
  pipeline: GPUComputePipeline;
}

export type KernelName =
  | 'matmul' | 'matmulReduce' | 'gather' | 'dropout' | 'positions' | 'scatter' | 'loss' | 'sumSquares' | 'adam'
  | 'lstmForward' | 'lstmBackward' | 'gruForward' | 'gruBackward' | 'attentionForward' | 'attentionBackward' | 'layerNormForward' | 'layerNormBackward' | 'layerNormParams';

/** Bytes between two dispatches' arguments in the uniform buffer (WebGPU's minimum uniform offset alignment). */
export const ARGS_STRIDE = 256;

/** Sequences one recurrence workgroup can carry: as many as fit in `workgroupBytes` of workgroup memory (≤ 8). */
export function recurrentMaxRows(s: EngineShape, workgroupBytes: number): number {
  return Math.max(1, Math.min(8, Math.floor(workgroupBytes / (4 * workgroupFloatsPerRow(s.cell, s.hidden)))));
}

/** Sequences per recurrence workgroup for a batch of B: one up to 256 sequences (a GPU has ~100 cores to fill), more after. */
export function recurrentRows(B: number, maxRows: number): number {
  return Math.max(1, Math.min(maxRows, Math.floor(B / 256)));
}

export function bindGroupLayout(device: GPUDevice): GPUBindGroupLayout {
  const storage = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type } });
  return device.createBindGroupLayout({
    entries: [
      storage(0, 'storage'),
      storage(1, 'storage'),
      storage(2, 'read-only-storage'),
      { binding: 3, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: ARGS_STRIDE } },
      storage(4, 'storage'),
    ],
  });
}

/** Compiles every kernel the shape needs, for activations stored as `precision`; a WGSL compile error is thrown with the kernel's name. */
export async function compileKernels(device: GPUDevice, layout: GPUBindGroupLayout, s: EngineShape, precision: Precision): Promise<Map<KernelName, Kernel>> {
  const sources: [KernelName, KernelArgs, string][] = [
    ['matmul', MATMUL_ARGS, matmulKernel()],
    ['matmulReduce', MATMUL_ARGS, matmulReduceKernel()],
    ['gather', GATHER_ARGS, gatherKernel()],
    ['dropout', DROPOUT_ARGS, dropoutKernel()],
    ['scatter', SCATTER_ARGS, scatterKernel()],
    ['loss', LOSS_ARGS, lossKernel()],
    ['sumSquares', SUM_SQUARES_ARGS, sumSquaresKernel()],
    ['adam', ADAM_ARGS, adamKernel()],
  ];
  if (s.kind === 'lstm') {
    const rows = recurrentMaxRows(s, device.limits.maxComputeWorkgroupStorageSize);
    if (s.cell === 'gru') sources.push(['gruForward', GRU_FORWARD_ARGS, gruForwardKernel(s.hidden, rows)], ['gruBackward', GRU_BACKWARD_ARGS, gruBackwardKernel(s.hidden, rows)]);
    else sources.push(['lstmForward', LSTM_FORWARD_ARGS, lstmForwardKernel(s.hidden, rows)], ['lstmBackward', LSTM_BACKWARD_ARGS, lstmBackwardKernel(s.hidden, rows)]);
  } else {
    sources.push(
      ['positions', POSITIONS_ARGS, positionsKernel()],
      ['attentionForward', ATTENTION_FORWARD_ARGS, attentionForwardKernel(s.hidden, s.heads, s.maxLen)],
      ['attentionBackward', ATTENTION_BACKWARD_ARGS, attentionBackwardKernel(s.hidden, s.heads, s.maxLen)],
      ['layerNormForward', LN_FORWARD_ARGS, layerNormForwardKernel(s.hidden)],
      ['layerNormBackward', LN_BACKWARD_ARGS, layerNormBackwardKernel(s.hidden)],
      ['layerNormParams', LN_PARAMS_ARGS, layerNormParamsKernel(s.hidden)],
    );
  }
  const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
  const kernels = new Map<KernelName, Kernel>();
  await Promise.all(
    sources.map(async ([name, args, code]) => {
      const module = device.createShaderModule({ code: activationType(precision) + code, label: name });
      const info = await module.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length) throw new Error(`WGSL kernel ${name}: ${errors.map((m) => `line ${m.lineNum}: ${m.message}`).join('; ')}`);
      const pipeline = await device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module, entryPoint: 'main' }, label: name });
      kernels.set(name, { name, args, pipeline });
    }),
  );
  return kernels;
}
