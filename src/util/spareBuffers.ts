// Memory handed back for reuse. A fresh buffer per batch, range or cache block is a pass of page faults while the
// heap grows, and external memory that drives V8 to full mark-compacts (a transferred 450 KB batch buffer made one
// every ~90 ms on the receiving thread). A consumer that is done with a buffer gives it back, and the next one of
// a fitting size is written into it.

/** Spare buffers, at most `capacity` of them. */
export class SpareBuffers {
  private readonly spare: ArrayBuffer[] = [];

  constructor(private readonly capacity = 8) {}

  /** A given-back buffer of at least `bytes` and at most `atMost` bytes (default: exactly `bytes`), or null. */
  take(bytes: number, atMost = bytes): ArrayBuffer | null {
    const i = this.spare.findIndex((b) => b.byteLength >= bytes && b.byteLength <= atMost);
    return i < 0 ? null : this.spare.splice(i, 1)[0];
  }

  /** A buffer nothing reads any more. */
  give(buffer: ArrayBuffer): void {
    if (this.spare.length < this.capacity && buffer.byteLength > 0) this.spare.push(buffer);
  }
}

/**
 * `bytes` of uninitialised memory: a buffer given back to `spare`, of at least `bytes` and at most `atMost` bytes,
 * where it has one; else a fresh one of max(bytes, capacity), so that it can carry larger uses later.
 */
export function spareOrFresh(spare: SpareBuffers | undefined, bytes: number, atMost = bytes, capacity = bytes): ArrayBuffer {
  return spare?.take(bytes, atMost) ?? (Buffer.allocUnsafeSlow(Math.max(bytes, capacity)).buffer as ArrayBuffer);
}
