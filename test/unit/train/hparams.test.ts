// The HParams plugin summaries: the bytes follow plugin_data.proto / api.proto / struct.proto (checked here against
// a message encoded by hand from the .proto field numbers), and the reader decodes what the writer wrote.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS } from '../../../src/config/schema.ts';
import { configHParams } from '../../../src/train/runHParams.ts';
import { DATA_TYPE, DATASET, encodeHParamsPluginData, EXPERIMENT_TAG, SESSION_END_TAG, SESSION_START_TAG, STATUS } from '../../../src/train/tensorboard/hparams.ts';
import { readEvents, readHParams } from '../../../src/train/tensorboard/reader.ts';
import { EventWriter } from '../../../src/train/tensorboard/writer.ts';
import { readFileSync } from 'node:fs';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiptrain-hparams-'));
  dirs.push(dir);
  return dir;
};
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('a session start with one number is the bytes the .proto files define', () => {
  const bytes = encodeHParamsPluginData({ sessionStartInfo: { hparams: { lr: 0.5 } } });
  // HParamsPluginData.session_start_info (3, LEN) › SessionStartInfo.hparams (1, LEN, a map entry) › key (1) "lr",
  // value (2, LEN) › google.protobuf.Value.number_value (2, fixed64) 0.5; version 0 is proto3's default, left out.
  const value = [0x11, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f];
  const entry = [0x0a, 2, 0x6c, 0x72, 0x12, value.length, ...value];
  const start = [0x0a, entry.length, ...entry];
  assert.equal([...bytes], [0x1a, start.length, ...start]);
});

test('a session end and a string and a bool value: their field numbers', () => {
  assert.equal([...encodeHParamsPluginData({ sessionEndInfo: { status: STATUS.success } })], [0x22, 2, 0x08, 1]);
  const strings = encodeHParamsPluginData({ sessionStartInfo: { hparams: { t: 'x', b: false } } });
  // string_value is field 3, bool_value field 4; a oneof member is written even when it holds false.
  const t = [0x0a, 1, 0x74, 0x12, 3, 0x1a, 1, 0x78];
  const b = [0x0a, 1, 0x62, 0x12, 2, 0x20, 0];
  assert.equal([...strings], [0x1a, t.length + b.length + 4, 0x0a, t.length, ...t, 0x0a, b.length, ...b]);
});

test('the reader decodes the experiment, session start and end that the writer wrote', async () => {
  const dir = tempDir();
  const writer = await EventWriter.create(dir, { wallTime: () => 1700000000 });
  writer.hparams(EXPERIMENT_TAG, {
    experiment: {
      name: 'sweep-a',
      timeCreatedSecs: 1700000000,
      hparamInfos: [
        { name: 'train.lr', type: DATA_TYPE.float64, interval: { min: 0.001, max: 0.01 } },
        { name: 'model.type', type: DATA_TYPE.string, values: ['lstm', 'transformer'] },
      ],
      metricInfos: [{ tag: 'val/loss', group: '', datasetType: DATASET.validation }],
    },
  });
  const hparams = configHParams(DEFAULTS);
  writer.hparams(SESSION_START_TAG, { sessionStartInfo: { hparams, modelUri: dir, startTimeSecs: 1700000001 } });
  writer.hparams(SESSION_END_TAG, { sessionEndInfo: { status: STATUS.success, endTimeSecs: 1700000002 } });
  await writer.close();

  const read = await readHParams(dir);
  assert.equal(read.map((r) => r.tag), [EXPERIMENT_TAG, SESSION_START_TAG, SESSION_END_TAG]);
  assert.equal(read[0].data.experiment, {
    name: 'sweep-a',
    description: '',
    timeCreatedSecs: 1700000000,
    hparamInfos: [
      { name: 'train.lr', type: DATA_TYPE.float64, interval: { min: 0.001, max: 0.01 } },
      { name: 'model.type', type: DATA_TYPE.string, values: ['lstm', 'transformer'] },
    ],
    metricInfos: [{ tag: 'val/loss', group: '', datasetType: DATASET.validation }],
  });
  assert.equal(read[1].data.sessionStartInfo, { hparams, modelUri: dir, groupName: '', startTimeSecs: 1700000001 });
  assert.is(read[1].data.sessionStartInfo!.hparams['model.hidden'], 64);
  assert.is(read[1].data.sessionStartInfo!.hparams['train.workers'], 'auto');
  assert.equal(read[2].data.sessionEndInfo, { status: STATUS.success, endTimeSecs: 1700000002 });
  assert.ok(read.every((r) => r.data.version === 0));
  // Each summary also holds the empty float tensor TensorBoard's own writer gives it (its loader wants a tensor).
  const events = readEvents(new Uint8Array(readFileSync(writer.path)));
  assert.equal(events[1].summary![0].tensor, { dtype: 1, shape: [0], floatVal: [], doubleVal: [] });
  assert.is(events[1].summary![0].metadata!.pluginName, 'hparams');
});

test.run();
