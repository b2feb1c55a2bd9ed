// The few protocol-buffer wire-format pieces the TensorBoard event messages need: varints, fixed 32/64-bit numbers
// (little-endian), length-delimited bytes and packed repeated numbers. Fields are written in ascending field order,
// and proto3 fields equal to their default (0, "", empty) are left out, as Google's library does.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

export class ProtoWriter {
  private buffer = new Uint8Array(64);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Unsigned varint of a non-negative integer up to 2^53 (steps are int64 but never that large). */
  varint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(`varint needs a non-negative safe integer, got ${value}`);
    }
    this.reserve(10);
    // Division rather than bit shifts: JS bit operators truncate to 32 bits.
    while (value >= 0x80) {
      this.buffer[this.length++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.buffer[this.length++] = value;
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  rawDouble(value: number): this {
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
    return this;
  }

  rawFloat(value: number): this {
    this.reserve(4);
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
    return this;
  }

  rawBytes(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  // Field writers skip proto3 defaults. Object.is keeps -0, which Google's library also writes (it compares bits).
  doubleField(field: number, value: number): this {
    return Object.is(value, 0) ? this : this.tag(field, WIRE_FIXED64).rawDouble(value);
  }

  floatField(field: number, value: number): this {
    return Object.is(value, 0) ? this : this.tag(field, WIRE_FIXED32).rawFloat(value);
  }

  varintField(field: number, value: number): this {
    return value === 0 ? this : this.tag(field, WIRE_VARINT).varint(value);
  }

  bytesField(field: number, bytes: Uint8Array): this {
    return bytes.length === 0 ? this : this.tag(field, WIRE_LENGTH).varint(bytes.length).rawBytes(bytes);
  }

  stringField(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  /** An embedded message is written even when empty: its presence is meaningful (unlike a scalar default). */
  messageField(field: number, message: Uint8Array): this {
    return this.tag(field, WIRE_LENGTH).varint(message.length).rawBytes(message);
  }

  packedDoubles(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    this.tag(field, WIRE_LENGTH).varint(values.length * 8);
    for (let i = 0; i < values.length; i++) this.rawDouble(values[i]);
    return this;
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    this.tag(field, WIRE_LENGTH).varint(values.length * 4);
    for (let i = 0; i < values.length; i++) this.rawFloat(values[i]);
    return this;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** Walks the fields of one message; throws Error('truncated …') on malformed input (callers wrap it). */
export class ProtoReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  done(): boolean {
    return this.offset >= this.bytes.length;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.bytes.length) throw new Error('truncated varint');
      const byte = this.bytes[this.offset++];
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 0x80;
    }
    throw new Error('varint longer than 10 bytes');
  }

  private need(n: number): void {
    if (this.offset + n > this.bytes.length) throw new Error('truncated field');
  }

  /** Next field header; the value must then be read with the method matching its wire type (or skip()). */
  next(): { field: number; wireType: number } {
    const key = this.varint();
    return { field: Math.floor(key / 8), wireType: key % 8 };
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return v;
  }

  float(): number {
    this.need(4);
    const v = this.view.getFloat32(this.offset, true);
    this.offset += 4;
    return v;
  }

  lengthDelimited(): Uint8Array {
    const n = this.varint();
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  string(): string {
    return new TextDecoder().decode(this.lengthDelimited());
  }

  /** Guards a known field against data written with another type (a different schema, or corruption). */
  expectWireType(field: number, actual: number, expected: number): void {
    if (actual !== expected) throw new Error(`field ${field} has wire type ${actual}, expected ${expected}`);
  }

  skip(wireType: number): void {
    if (wireType === WIRE_VARINT) this.varint();
    else if (wireType === WIRE_FIXED64) this.double();
    else if (wireType === WIRE_FIXED32) this.float();
    else if (wireType === WIRE_LENGTH) this.lengthDelimited();
    else throw new Error(`unsupported wire type ${wireType}`);
  }

  /** A repeated double field, packed (one length-delimited run) or not (one value per field occurrence). */
  repeatedDoubles(wireType: number, into: number[]): void {
    if (wireType === WIRE_FIXED64) into.push(this.double());
    else for (const r = new ProtoReader(this.lengthDelimited()); !r.done(); ) into.push(r.double());
  }

  repeatedFloats(wireType: number, into: number[]): void {
    if (wireType === WIRE_FIXED32) into.push(this.float());
    else for (const r = new ProtoReader(this.lengthDelimited()); !r.done(); ) into.push(r.float());
  }
}
