// npm run bench -- train [--json] [--quick] [--backend NAME] [--models lstm,transformer] [--workers 1,2] [--trainer-only]
//                        [--batches 64,512] [--peers] [--peers-python PATH]
// Training speed, each backend's rows in a child process of its own (trainBackend.ts), one after the other: a crash
// inside one backend becomes one {"step": "crash", "backend", "row", "signal"} line and the other backends' rows
// still print. Rows: the trainer's own step ("trainer", with msPerStep, kernels per step and the backend that
// actually ran it; "trainer-busy"), and on tfjs backends the micro-benchmarks ("micro").
// --peers: the same models in PyTorch and TensorFlow (scripts/bench/peer_*.py) at the trainer's exact shapes,
// on 1 and 2 threads, in the same run right after the native rows ({"step": "peer", …}), then for every shape
// the best skiptrain row against the best peer ({"step": "ratio", …}). The Python comes from --peers-python or
// SKIPTRAIN_PEERS_PYTHON (else python3); a torch without MKL (Debian's python3-torch) is refused by the script.
// Without --json, the same as tables.
import { fileURLToPath } from 'node:url';
import { BACKEND_PREFERENCE, type Backend } from '../../src/config/schema.ts';
import { childRows, type BenchRow } from './childRows.ts';
import { INSTALL_PEERS, PEERS, peersPython, runPeer, type PeerRow } from './peers.ts';
import { trainerShapes, type TrainerRow, type TrainerShape } from './trainer-step.ts';

export interface TrainBenchArgs {
  json: boolean;
  quick: boolean;
  backend?: Backend;
  /** Comma-separated: lstm, transformer. */
  models?: string;
  /** Comma-separated thread counts. */
  workers?: string;
  trainerOnly: boolean;
  /** Comma-separated batch sizes of the micro-benchmarks. */
  batches?: string;
  peers: boolean;
  peersPython?: string;
}

/** What one backend's child (trainBackend.ts) takes, as JSON. */
export type TrainBackendArgs = Pick<TrainBenchArgs, 'quick' | 'models' | 'workers' | 'trainerOnly' | 'batches'>;

const PEER_THREADS = [1, 2];

type AnyRow = BenchRow;

function showRow(json: boolean, row: AnyRow): void {
  if (json) return console.log(JSON.stringify(row));
  const r = row as Record<string, unknown> as Record<string, never>;
  const num = (v: number, w: number) => String(v).padStart(w);
  switch (row.step) {
    case 'trainer': {
      const t = row as unknown as TrainerRow;
      return console.log(
        `${t.backend.padEnd(8)} trainer ${t.model.padEnd(11)} ${t.config.padEnd(20)} H=${String(t.hidden).padEnd(4)} L=${t.layers} B=${String(t.batch).padEnd(4)} threads=${t.workers} ${num(t.seqPerSec, 7)} seq/s ${t.msPerStep.toFixed(1).padStart(7)} ms/step ${num(t.kernels, 5)} kernels/step${t.backend === 'webgpu' ? ` ${t.precision} activations ${t.activationMB} MB` : ''}`,
      );
    }
    case 'trainer-busy':
      return console.log(`         busy: ${(r.busy as number[]).map((b, i) => `${i === 0 ? 'main' : `w${i}`} ${Math.round(b * 100)}%`).join(' ')}   ${r.cpuUsPerSeq} CPU-µs/seq`);
    case 'trainer-phases':
      return console.log(`         native phases, ms/step: ${Object.entries(r.msPerStep as Record<string, number>).map(([k, v]) => `${k} ${v.toFixed(2)}`).join('  ')}`);
    case 'micro':
      return console.log(
        `${String(r.backend).padEnd(8)} ${String(r.model).padEnd(34)} B=${String(r.batch).padEnd(4)} ${num(r.seqPerSec, 7)} seq/s ${Number(r.msPerStep).toFixed(1).padStart(8)} ms/step ${Number.isNaN(r.kernelsPerTimeStep) ? '    -' : num(r.kernelsPerTimeStep, 5)} kernels/time-step  first loss ${Number(r.firstLoss).toFixed(6)}${r.adapter ? `  (${r.adapter})` : ''}`,
      );
    case 'peer': {
      const p = row as unknown as PeerRow;
      return console.log(`${p.peer.padEnd(10)} peer ${p.model} H=${String(p.hidden).padEnd(4)} L=${p.layers} B=${String(p.batch).padEnd(4)} threads=${p.threads} ${num(p.seqPerSec, 7)} seq/s ${p.msPerStep.toFixed(1).padStart(7)} ms/step  (${p.version})`);
    }
    case 'ratio':
      return console.log(
        `ratio ${String(r.config).padEnd(20)} B=${String(r.batch).padEnd(4)} ${String(r.backend)} ${num(r.seqPerSec, 7)} seq/s (${r.workers} threads) vs ${r.peer} ${num(r.peerSeqPerSec, 7)} seq/s (${r.peerThreads} threads): ${Number(r.ratio).toFixed(2)}×`,
      );
    case 'crash':
      return console.log(`${String(r.backend).padEnd(8)} CRASHED during "${r.row}" (${r.signal ?? `exit ${r.exitCode}`}); the other backends' rows follow`);
    case 'unavailable':
      return console.error(`${String(r.backend).padEnd(8)} not measured: ${r.reason}`);
    default:
      return console.log(JSON.stringify(row));
  }
}

/** One backend's rows, from a child process of its own (a crash there becomes a crash row). */
function runBackend(backend: Backend, args: TrainBenchArgs, show: (row: AnyRow) => void): Promise<AnyRow[]> {
  const script = fileURLToPath(new URL('./trainBackend.ts', import.meta.url));
  const child: TrainBackendArgs = { quick: args.quick, models: args.models, workers: args.workers, trainerOnly: args.trainerOnly, batches: args.batches };
  return childRows(backend, process.execPath, ['--expose-gc', '--import', 'tsx', script, backend, JSON.stringify(child)], show);
}

/** Every peer on every shape and thread count; a peer that cannot run is named once, with why. */
function runPeers(args: TrainBenchArgs, shapes: TrainerShape[], show: (row: AnyRow) => void): PeerRow[] {
  const python = peersPython(args.peersPython);
  const budget = args.quick ? 1 : 2;
  const out: PeerRow[] = [];
  const missing = new Map<string, string>();
  for (const shape of shapes) {
    for (const peer of PEERS) {
      if (missing.has(peer)) continue;
      for (const threads of PEER_THREADS) {
        const r = runPeer(python, peer, shape, threads, budget);
        if ('error' in r) {
          missing.set(peer, r.error);
          show({ step: 'peer-missing', peer, python, reason: r.error });
          break;
        }
        out.push(r);
        show(r as unknown as AnyRow);
      }
    }
  }
  if (out.length === 0) console.error(`no peer ran (${[...missing].map(([p, why]) => `${p}: ${why}`).join('; ')}). To install them: ${INSTALL_PEERS}`);
  return out;
}

/** For every shape, skiptrain's best row against the best peer's. */
function showRatios(rows: AnyRow[], peerRows: PeerRow[], shapes: TrainerShape[], show: (row: AnyRow) => void): void {
  // The peers compute in f32: so do the rows they are compared with.
  const trainers = (rows.filter((r) => r.step === 'trainer') as unknown as TrainerRow[]).filter((r) => r.precision === 'f32');
  for (const shape of shapes) {
    const { model, train } = shape.config;
    const same = (r: { model: string; hidden: number; layers: number; batch: number; buckets: number }) =>
      r.model === model.type && r.hidden === model.hidden && r.layers === model.layers && r.batch === train.batchSize && r.buckets === model.trackBuckets;
    const ours = trainers.filter(same).sort((a, b) => b.seqPerSec - a.seqPerSec)[0];
    const theirs = peerRows.filter(same).sort((a, b) => b.seqPerSec - a.seqPerSec)[0];
    if (!ours || !theirs) continue;
    show({
      step: 'ratio',
      model: model.type,
      config: shape.label,
      batch: train.batchSize,
      hidden: model.hidden,
      layers: model.layers,
      backend: ours.backend,
      workers: ours.workers,
      seqPerSec: ours.seqPerSec,
      peer: theirs.peer,
      peerThreads: theirs.threads,
      peerSeqPerSec: theirs.seqPerSec,
      ratio: Number((ours.seqPerSec / theirs.seqPerSec).toFixed(3)),
    });
  }
}

export async function runTrainBench(args: TrainBenchArgs): Promise<void> {
  const show = (row: AnyRow) => showRow(args.json, row);
  const backends = args.backend ? [args.backend] : BACKEND_PREFERENCE;
  if (!args.json) console.log("the trainer's step (T=20, the trainer's 88 input features, its losses, clipping and Adam) and micro-benchmarks; higher seq/s is better");
  const rows: AnyRow[] = [];
  const peerRows: PeerRow[] = [];
  const peerShapes = trainerShapes(args.models?.split(','));
  // The peers run right after the native rows (else after the last backend): the machine's speed drifts over a
  // long run, so the two sides of a ratio are measured minutes apart, not the whole run apart.
  const peersAfter = backends.includes('native') ? 'native' : backends[backends.length - 1];
  for (const backend of backends) {
    rows.push(...(await runBackend(backend, args, show)));
    if (args.peers && backend === peersAfter) peerRows.push(...runPeers(args, peerShapes, show));
  }
  if (args.peers) showRatios(rows, peerRows, peerShapes, show);
}
