// CRC-32C: the published check values, and the slicing-by-8 loop against the plain bitwise definition at every
// alignment and length, whole and continued piece by piece (as shard files and writers feed it); the addon's
// CRC32-instruction version against the loop (required where SKIPTRAIN_REQUIRE_NATIVE=1 on x86-64).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32c, crc32cJavascript, crcText, nativeCrc32c } from '../../../src/util/crc32c.ts';
import { Rng } from '../../../src/util/rng.ts';

/** The definition, one bit at a time (reflected polynomial 0x82f63b78). */
function bitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const filled = (n: number, at: (i: number) => number) => Uint8Array.from({ length: n }, (_, i) => at(i));

test('check values: "123456789", the empty string, and the iSCSI vectors of RFC 3720 (B.4)', () => {
  assert.is(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.is(crc32c(new Uint8Array(0)), 0);
  assert.is(crc32c(filled(32, () => 0x00)), 0x8a9136aa);
  assert.is(crc32c(filled(32, () => 0xff)), 0x62a8ab43);
  assert.is(crc32c(filled(32, (i) => i)), 0x46dd794e);
  assert.is(crc32c(filled(32, (i) => 31 - i)), 0x113fdb5c);
  assert.is(crcText(0xe3069283), '0xe3069283');
  assert.is(crcText(0x2a), '0x0000002a');
});

test('equals the bitwise definition at every start alignment and length, whole and in pieces', () => {
  const rng = new Rng(26);
  const data = filled(4096 + 64, () => Math.floor(rng.next() * 256));
  for (let start = 0; start < 8; start++) {
    for (let length = 0; length <= 40; length++) {
      const piece = data.subarray(start, start + length);
      assert.is(crc32cJavascript(piece), bitwise(piece), `start ${start}, length ${length}`);
    }
  }
  const big = data.subarray(3, 3 + 4096 + 13);
  const whole = bitwise(big);
  assert.is(crc32cJavascript(big), whole);
  for (const cut of [1, 7, 8, 1000, 4095]) assert.is(crc32cJavascript(big.subarray(cut), crc32cJavascript(big.subarray(0, cut))), whole, `cut at ${cut}`);
});

test('the CRC32 instruction (the addon) equals the loop at every alignment and length, continued, and through crc32c', () => {
  const native = nativeCrc32c();
  if (!native) {
    if (process.env.SKIPTRAIN_REQUIRE_NATIVE === '1' && process.arch === 'x64') throw new Error('SKIPTRAIN_REQUIRE_NATIVE=1, but the addon has no crc32c');
    return;
  }
  const rng = new Rng(27);
  const data = filled(70_000, () => Math.floor(rng.next() * 256));
  for (let start = 0; start < 9; start++) {
    for (const length of [0, 1, 7, 8, 9, 15, 16, 17, 63, 4095, 4096, 4097, 65_537]) {
      const piece = data.subarray(start, start + length);
      assert.is(native(piece, 0), crc32cJavascript(piece), `start ${start}, length ${length}`);
      assert.is(native(piece, 0xdeadbeef), crc32cJavascript(piece, 0xdeadbeef), `continued, start ${start}, length ${length}`);
    }
  }
  const long = data.subarray(5);
  assert.is(crc32c(long), crc32cJavascript(long)); // long enough to take the native path
  assert.is(crc32c(long.subarray(100), crc32c(long.subarray(0, 100))), crc32cJavascript(long));
  assert.throws(() => native(new Uint16Array(4) as unknown as Uint8Array, 0), /crc32c\(bytes Uint8Array, previous\)/);
});

test.run();
