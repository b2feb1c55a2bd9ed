import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { vocabIndex, CONTEXT_TYPES, TRACK_FEATURES, LOG_COLUMNS } from '../../../src/data/format/columns.ts';

test('column lists match the MSSD layout', () => {
  assert.is(LOG_COLUMNS.length, 21);
  assert.is(TRACK_FEATURES.length, 29);
  assert.is(vocabIndex(CONTEXT_TYPES, 'radio'), 3);
  assert.is(vocabIndex(CONTEXT_TYPES, 'unheard-of'), CONTEXT_TYPES.length);
});

test.run();
