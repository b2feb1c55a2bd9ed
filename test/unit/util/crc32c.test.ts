// CRC-32C: the published check values, and the slicing-by-8 loop against the plain bitwise definition at every
// alignment and length, whole and continued piece by piece (as shard files and writers feed it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32c, crcText } from '../../../src/util/crc32c.ts';
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
      assert.is(crc32c(piece), bitwise(piece), `start ${start}, length ${length}`);
    }
  }
  const big = data.subarray(3, 3 + 4096 + 13);
  const whole = bitwise(big);
  assert.is(crc32c(big), whole);
  for (const cut of [1, 7, 8, 1000, 4095]) assert.is(crc32c(big.subarray(cut), crc32c(big.subarray(0, cut))), whole, `cut at ${cut}`);
});

test.run();
