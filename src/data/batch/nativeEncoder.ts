// The batch encoder in C (native/batchEncoder.c), used when the addon is built: the same batches as the JavaScript
// encoder (batches.ts, its fallback and its reference in the tests), bit for bit, several times faster. Blocks are
// handed to it once each (their columns stay where they are) and a batch is one call.
import type { Batch } from '../format/types.ts';
import { FLAG_NAMES, type SessionBlock } from '../format/block.ts';
import { loadAddon } from '../../util/nativeAddon.ts';
import { blockWeekdays, encoderRules, type EncoderRules } from './features.ts';

type Handle = { readonly __batchHandle: unique symbol };

interface BatchAddon {
  createStandardTable(features: Float32Array, width: number, mean: Float32Array, invStd: Float32Array): Handle;
  createBatchEncoder(options: EncoderRules & { flagBits: Record<string, number>; standard: Handle; keys: Int32Array }): Handle;
  createBatchBlock(block: SessionBlock, extraRows: Int32Array, weekdays: Int8Array): Handle;
  encodeBatch(encoder: Handle, blocks: Handle[], which: Int32Array, index: Int32Array, knownLimit: Int32Array, scoreHidden: Uint8Array, labels: boolean, batch: Batch): number;
}

/** The addon's batch functions, or null (not built, or built before it had them). */
function batchAddon(): BatchAddon | null {
  const n = loadAddon();
  return 'addon' in n && typeof n.addon.createStandardTable === 'function' ? (n.addon as unknown as BatchAddon) : null;
}

export interface EncoderTables {
  features: Float32Array;
  width: number;
  mean: Float32Array;
  invStd: Float32Array;
  keys: Int32Array;
  labelBit: number;
  unknownIsError: boolean;
  /** The table row of each of a block's extra track ids (-1: not in the table). */
  extraRows(block: SessionBlock): Int32Array;
}

/**
 * The track table standardised by a run's statistics, made once per normaliser (keyed by its invStd array; the
 * features and mean it was made from are checked too) and freed with it: 128 bytes per track.
 */
const standardTables = new WeakMap<Float32Array, { features: Float32Array; mean: Float32Array; table: Handle }>();

function standardTable(addon: BatchAddon, t: EncoderTables): Handle {
  const made = standardTables.get(t.invStd);
  if (made && made.features === t.features && made.mean === t.mean) return made.table;
  const table = addon.createStandardTable(t.features, t.width, t.mean, t.invStd);
  standardTables.set(t.invStd, { features: t.features, mean: t.mean, table });
  return table;
}

export class NativeBatchEncoder {
  private readonly addon: BatchAddon;
  private readonly encoder: Handle;
  private readonly handles = new WeakMap<SessionBlock, Handle>();

  constructor(private readonly tables: EncoderTables) {
    const addon = batchAddon();
    if (!addon) throw new Error('the native batch encoder is not built');
    this.addon = addon;
    const rules = encoderRules();
    this.encoder = addon.createBatchEncoder({
      ...rules,
      sizes: { ...rules.sizes, labelBit: tables.labelBit, unknownIsError: tables.unknownIsError ? 1 : 0 },
      flagBits: Object.fromEntries(FLAG_NAMES.map((name, i) => [name, 1 << i])),
      standard: standardTable(addon, tables),
      keys: tables.keys,
    });
  }

  /**
   * Session index[b] of blocks[b] into row b of a batch (zeroed or not: every value is written), its first knownLimit[b] positions known, only the
   * hidden ones scored where scoreHidden[b]. Returns -1, or the first row whose session has a track the table
   * lacks while data.unknownTracks is error (the caller words that error).
   */
  encode(batch: Batch, blocks: readonly SessionBlock[], index: Int32Array, knownLimit: Int32Array, scoreHidden: Uint8Array, labels: boolean): number {
    const handles: Handle[] = [];
    const slot = new Map<SessionBlock, number>();
    const which = new Int32Array(blocks.length);
    for (let b = 0; b < blocks.length; b++) {
      let k = slot.get(blocks[b]);
      if (k === undefined) {
        slot.set(blocks[b], (k = handles.length));
        handles.push(this.handleOf(blocks[b]));
      }
      which[b] = k;
    }
    return this.addon.encodeBatch(this.encoder, handles, which, index, knownLimit, scoreHidden, labels, batch);
  }

  private handleOf(block: SessionBlock): Handle {
    let h = this.handles.get(block);
    if (!h) this.handles.set(block, (h = this.addon.createBatchBlock(block, this.tables.extraRows(block), blockWeekdays(block))));
    return h;
  }
}

export type BatchEncoderKind = 'native' | 'javascript';

/** C when the addon has it, else JavaScript. */
export function defaultBatchEncoder(): BatchEncoderKind {
  return batchAddon() ? 'native' : 'javascript';
}
