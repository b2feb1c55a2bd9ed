// The TensorBoard `Event` message and the parts of `Summary` this project writes and reads, with field numbers from
// TensorFlow's event.proto, summary.proto, histogram.proto and tensor.proto (see
// test/fixtures/tensorboard/README.md). Unknown fields are skipped when decoding.
import { ProtoReader, ProtoWriter, WIRE_FIXED32, WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT } from './protobuf.ts';

export interface HistogramProto {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  /** Upper edge of each bucket; the last is conventionally DBL_MAX. */
  bucketLimit: number[];
  bucket: number[];
}

export const DT_FLOAT = 1;
export const DT_DOUBLE = 2;

export interface TensorProto {
  dtype: number;
  /** Dimension sizes; [] for a scalar (no tensor_shape written). */
  shape: number[];
  floatVal: number[];
  doubleVal: number[];
  /** Raw little-endian values, as some writers (tf.summary in TF 2) store them. */
  tensorContent?: Uint8Array;
}

export interface SummaryMetadata {
  pluginName: string;
  content?: Uint8Array;
}

export interface SummaryValue {
  tag: string;
  simpleValue?: number;
  histo?: HistogramProto;
  tensor?: TensorProto;
  metadata?: SummaryMetadata;
}

export interface TBEvent {
  /** Seconds since the epoch. */
  wallTime: number;
  step: number;
  fileVersion?: string;
  summary?: SummaryValue[];
}

// Field numbers.
const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5 } as const;
const SUMMARY = { value: 1 } as const;
const VALUE = { tag: 1, simpleValue: 2, histo: 5, tensor: 8, metadata: 9 } as const;
const METADATA = { pluginData: 1 } as const;
const PLUGIN_DATA = { pluginName: 1, content: 2 } as const;
const HISTO = { min: 1, max: 2, num: 3, sum: 4, sumSquares: 5, bucketLimit: 6, bucket: 7 } as const;
const TENSOR = { dtype: 1, shape: 2, content: 4, floatVal: 5, doubleVal: 6 } as const;
const SHAPE = { dim: 2 } as const;
const DIM = { size: 1 } as const;

function encodeHistogram(h: HistogramProto): Uint8Array {
  return new ProtoWriter()
    .doubleField(HISTO.min, h.min)
    .doubleField(HISTO.max, h.max)
    .doubleField(HISTO.num, h.num)
    .doubleField(HISTO.sum, h.sum)
    .doubleField(HISTO.sumSquares, h.sumSquares)
    .packedDoubles(HISTO.bucketLimit, h.bucketLimit)
    .packedDoubles(HISTO.bucket, h.bucket)
    .finish();
}

function encodeTensor(t: TensorProto): Uint8Array {
  const w = new ProtoWriter().varintField(TENSOR.dtype, t.dtype);
  if (t.shape.length > 0) {
    const shape = new ProtoWriter();
    for (const size of t.shape) shape.messageField(SHAPE.dim, new ProtoWriter().varintField(DIM.size, size).finish());
    w.messageField(TENSOR.shape, shape.finish());
  }
  if (t.tensorContent) w.bytesField(TENSOR.content, t.tensorContent);
  return w.packedFloats(TENSOR.floatVal, t.floatVal).packedDoubles(TENSOR.doubleVal, t.doubleVal).finish();
}

function encodeMetadata(m: SummaryMetadata): Uint8Array {
  const pluginData = new ProtoWriter().stringField(PLUGIN_DATA.pluginName, m.pluginName);
  if (m.content) pluginData.bytesField(PLUGIN_DATA.content, m.content);
  return new ProtoWriter().messageField(METADATA.pluginData, pluginData.finish()).finish();
}

function encodeValue(v: SummaryValue): Uint8Array {
  const w = new ProtoWriter().stringField(VALUE.tag, v.tag);
  // simple_value is in a oneof, so it is written even when 0.
  if (v.simpleValue !== undefined) w.tag(VALUE.simpleValue, WIRE_FIXED32).rawFloat(v.simpleValue);
  if (v.histo) w.messageField(VALUE.histo, encodeHistogram(v.histo));
  if (v.tensor) w.messageField(VALUE.tensor, encodeTensor(v.tensor));
  if (v.metadata) w.messageField(VALUE.metadata, encodeMetadata(v.metadata));
  return w.finish();
}

export function encodeEvent(event: TBEvent): Uint8Array {
  const w = new ProtoWriter().doubleField(EVENT.wallTime, event.wallTime).varintField(EVENT.step, event.step);
  // file_version and summary share a oneof: present means written, even if empty.
  if (event.fileVersion !== undefined) {
    const text = new TextEncoder().encode(event.fileVersion);
    w.tag(EVENT.fileVersion, WIRE_LENGTH).varint(text.length).rawBytes(text);
  }
  if (event.summary) {
    const summary = new ProtoWriter();
    for (const value of event.summary) summary.messageField(SUMMARY.value, encodeValue(value));
    w.messageField(EVENT.summary, summary.finish());
  }
  return w.finish();
}

function decodeHistogram(bytes: Uint8Array): HistogramProto {
  const h: HistogramProto = { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit: [], bucket: [] };
  const r = new ProtoReader(bytes);
  const scalarFields: Record<number, keyof HistogramProto> = {
    [HISTO.min]: 'min',
    [HISTO.max]: 'max',
    [HISTO.num]: 'num',
    [HISTO.sum]: 'sum',
    [HISTO.sumSquares]: 'sumSquares',
  };
  while (!r.done()) {
    const { field, wireType } = r.next();
    if (field in scalarFields) {
      r.expectWireType(field, wireType, WIRE_FIXED64);
      (h as unknown as Record<string, number>)[scalarFields[field]] = r.double();
    } else if (field === HISTO.bucketLimit) r.repeatedDoubles(wireType, h.bucketLimit);
    else if (field === HISTO.bucket) r.repeatedDoubles(wireType, h.bucket);
    else r.skip(wireType);
  }
  return h;
}

function decodeShape(bytes: Uint8Array): number[] {
  const dims: number[] = [];
  const r = new ProtoReader(bytes);
  while (!r.done()) {
    const { field, wireType } = r.next();
    if (field !== SHAPE.dim) {
      r.skip(wireType);
      continue;
    }
    r.expectWireType(field, wireType, WIRE_LENGTH);
    let size = 0;
    for (const d = new ProtoReader(r.lengthDelimited()); !d.done(); ) {
      const inner = d.next();
      if (inner.field === DIM.size && inner.wireType === WIRE_VARINT) size = d.varint();
      else d.skip(inner.wireType);
    }
    dims.push(size);
  }
  return dims;
}

function decodeTensor(bytes: Uint8Array): TensorProto {
  const t: TensorProto = { dtype: 0, shape: [], floatVal: [], doubleVal: [] };
  const r = new ProtoReader(bytes);
  while (!r.done()) {
    const { field, wireType } = r.next();
    if (field === TENSOR.dtype) {
      r.expectWireType(field, wireType, WIRE_VARINT);
      t.dtype = r.varint();
    } else if (field === TENSOR.shape) {
      r.expectWireType(field, wireType, WIRE_LENGTH);
      t.shape = decodeShape(r.lengthDelimited());
    } else if (field === TENSOR.content) {
      r.expectWireType(field, wireType, WIRE_LENGTH);
      t.tensorContent = r.lengthDelimited().slice();
    } else if (field === TENSOR.floatVal) r.repeatedFloats(wireType, t.floatVal);
    else if (field === TENSOR.doubleVal) r.repeatedDoubles(wireType, t.doubleVal);
    else r.skip(wireType);
  }
  return t;
}

function decodeMetadata(bytes: Uint8Array): SummaryMetadata {
  const m: SummaryMetadata = { pluginName: '' };
  const r = new ProtoReader(bytes);
  while (!r.done()) {
    const { field, wireType } = r.next();
    if (field !== METADATA.pluginData) {
      r.skip(wireType);
      continue;
    }
    r.expectWireType(field, wireType, WIRE_LENGTH);
    for (const p = new ProtoReader(r.lengthDelimited()); !p.done(); ) {
      const inner = p.next();
      if (inner.field === PLUGIN_DATA.pluginName && inner.wireType === WIRE_LENGTH) m.pluginName = p.string();
      else if (inner.field === PLUGIN_DATA.content && inner.wireType === WIRE_LENGTH) m.content = p.lengthDelimited().slice();
      else p.skip(inner.wireType);
    }
  }
  return m;
}

function decodeValue(bytes: Uint8Array): SummaryValue {
  const v: SummaryValue = { tag: '' };
  const r = new ProtoReader(bytes);
  while (!r.done()) {
    const { field, wireType } = r.next();
    if (field === VALUE.tag) {
      r.expectWireType(field, wireType, WIRE_LENGTH);
      v.tag = r.string();
    } else if (field === VALUE.simpleValue) {
      r.expectWireType(field, wireType, WIRE_FIXED32);
      v.simpleValue = r.float();
    } else if (field === VALUE.histo) {
      r.expectWireType(field, wireType, WIRE_LENGTH);
      v.histo = decodeHistogram(r.lengthDelimited());
    } else if (field === VALUE.tensor) {
      r.expectWireType(field, wireType, WIRE_LENGTH);
      v.tensor = decodeTensor(r.lengthDelimited());
    } else if (field === VALUE.metadata) {
      r.expectWireType(field, wireType, WIRE_LENGTH);
      v.metadata = decodeMetadata(r.lengthDelimited());
    } else r.skip(wireType);
  }
  return v;
}

/** Decode one serialized Event; throws a plain Error on malformed bytes (the reader adds the record index). */
export function decodeEvent(bytes: Uint8Array): TBEvent {
  const event: TBEvent = { wallTime: 0, step: 0 };
  const r = new ProtoReader(bytes);
  while (!r.done()) {
    const { field, wireType } = r.next();
    if (field === EVENT.wallTime) {
      r.expectWireType(field, wireType, WIRE_FIXED64);
      event.wallTime = r.double();
    } else if (field === EVENT.step) {
      r.expectWireType(field, wireType, WIRE_VARINT);
      event.step = r.varint();
    } else if (field === EVENT.fileVersion) {
      r.expectWireType(field, wireType, WIRE_LENGTH);
      event.fileVersion = r.string();
    } else if (field === EVENT.summary) {
      r.expectWireType(field, wireType, WIRE_LENGTH);
      const values: SummaryValue[] = [];
      for (const s = new ProtoReader(r.lengthDelimited()); !s.done(); ) {
        const inner = s.next();
        if (inner.field === SUMMARY.value && inner.wireType === WIRE_LENGTH) values.push(decodeValue(s.lengthDelimited()));
        else s.skip(inner.wireType);
      }
      event.summary = values;
    } else r.skip(wireType);
  }
  return event;
}
