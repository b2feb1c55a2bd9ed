// The batch encoder in C (native/batchEncoder.c), used when the addon is built: the same batches as the JavaScript
// encoder (batches.ts, its fallback and its reference in the tests), bit for bit, several times faster. Blocks are
// handed to it once each (their columns stay where they are) and a batch is one call.
import type { Batch } from '../format/types.ts';
import { FLAG_NAMES, type SessionBlock } from '../format/block.ts';
import { loadAddon } from '../../util/nativeAddon.ts';
import { blockWeekdays, encoderRules, type EncoderRules } from './features.ts';

type Handle = { readonly __batchHandle: unique symbol };

interface BatchAddon {
  createBatchEncoder(options: EncoderRules & { flagBits: Record<string, number>; features: Float32Array; mean: Float32Array; invStd: Float32Array; keys: Int32Array }): Handle;
  createBatchBlock(block: SessionBlock, extraRows: Int32Array, weekdays: Int8Array): Handle;
  encodeBatch(encoder: Handle, blocks: Handle[], which: Int32Array, index: Int32Array, knownLimit: Int32Array, scoreHidden: Uint8Array, labels: boolean, batch: Batch): number;
}

/** The addon's batch functions, or null (not built, or built before it had them). */
function batchAddon(): BatchAddon | null {
  const n = loadAddon();
  return 'addon' in n && typeof n.addon.encodeBatch === 'function' ? (n.addon as unknown as BatchAddon) : null;
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
      sizes: { ...rules.sizes, tableWidth: tables.width, labelBit: tables.labelBit, unknownIsError: tables.unknownIsError ? 1 : 0 },
      flagBits: Object.fromEntries(FLAG_NAMES.map((name, i) => [name, 1 << i])),
      features: tables.features,
      mean: tables.mean,
      invStd: tables.invStd,
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
