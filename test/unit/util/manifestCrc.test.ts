// Manifests that carry the CRC-32C of their own content: it survives a trip through the file in any indentation,
// and any change to the content (or a missing CRC) is noticed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { manifestCrcMatches, withManifestCrc } from '../../../src/util/manifestCrc.ts';

const manifest = { format: 'x', version: 2, step: 1200, rate: 0.1 + 0.2, days: { '2018-07-15': 3, '7': 1 }, name: 'caf\u00e9 \ud83c\udfb5' };

test('the CRC is the last field and matches after JSON.stringify → parse, whatever the indentation', () => {
  const sealed = withManifestCrc(manifest);
  assert.equal(Object.keys(sealed).pop(), 'manifestCrc32c');
  for (const indent of [undefined, 1, '\t']) assert.ok(manifestCrcMatches(JSON.parse(JSON.stringify(sealed, null, indent))), `indent ${indent}`);
  assert.is(withManifestCrc(sealed).manifestCrc32c, sealed.manifestCrc32c, 'sealing again replaces the CRC, same content same CRC');
});

test('a changed value, a changed key, or no CRC at all does not match', () => {
  const sealed = withManifestCrc(manifest);
  assert.not.ok(manifestCrcMatches({ ...sealed, step: 1201 }));
  assert.not.ok(manifestCrcMatches(JSON.parse(JSON.stringify(sealed).replace('"rate"', '"rata"'))));
  assert.not.ok(manifestCrcMatches(manifest));
});

test.run();
