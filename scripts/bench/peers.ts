// The peers of the trainer bench: the same skip models (LSTM, Transformer), batch shape and objective in PyTorch and in
// TensorFlow/Keras (scripts/bench/peer_pytorch.py, peer_tensorflow.py), timed in child processes on 1 and 2
// threads, in the same run as skiptrain's own rows.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TrainerShape } from './trainer-step.ts';

export const PEERS = ['pytorch', 'tensorflow'] as const;
export type Peer = (typeof PEERS)[number];

export interface PeerRow {
  step: 'peer';
  peer: Peer;
  model: string;
  batch: number;
  hidden: number;
  layers: number;
  buckets: number;
  threads: number;
  device: string;
  seqPerSec: number;
  msPerStep: number;
  version: string;
}

export const INSTALL_PEERS =
  'python3 -m venv v && v/bin/pip install torch tensorflow-cpu (on a closed network add the index your pip is configured for), then --peers-python v/bin/python or SKIPTRAIN_PEERS_PYTHON=v/bin/python';

/** The Python the peers run in: --peers-python, else SKIPTRAIN_PEERS_PYTHON, else python3. */
export function peersPython(option: string | undefined): string {
  return option ?? process.env.SKIPTRAIN_PEERS_PYTHON ?? 'python3';
}

/** The peer script's arguments for a trainer shape: the model and batch exactly as the trainer has them. */
function shapeArgs(shape: TrainerShape): string[] {
  const { model, train, data } = shape.config;
  const args = {
    model: model.type,
    batch: train.batchSize,
    heads: model.heads,
    ff: model.ff,
    hidden: model.hidden,
    layers: model.layers,
    buckets: model.trackBuckets,
    embed: model.trackEmbedding,
    tracks: data.synth.tracks,
    dropout: model.dropout,
    'aux-weight': model.auxWeight,
    'known-weight': train.knownWeight,
  };
  return Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
}

/**
 * One peer on one shape: its row, or why it did not run (not installed, a torch without MKL, a crash). `device`:
 * cpu, or the framework's GPU (PyTorch: cuda).
 */
export function runPeer(python: string, peer: Peer, shape: TrainerShape, threads: number, budgetSeconds: number, device = 'cpu'): PeerRow | { error: string } {
  const script = fileURLToPath(new URL(`./peer_${peer}.py`, import.meta.url));
  const r = spawnSync(python, [script, ...shapeArgs(shape), '--threads', String(threads), '--budget', String(budgetSeconds), '--device', device], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) },
  });
  if (r.error) return { error: `${python}: ${r.error.message}` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status === 0 && line.startsWith('{')) return JSON.parse(line) as PeerRow;
  const why = r.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${r.status ?? r.signal}`;
  return { error: why };
}
