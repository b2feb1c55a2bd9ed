// The HParams plugin's summaries, so TensorBoard's HParams dashboard lists runs with their config values and
// metrics. Field numbers from tensorboard/plugins/hparams/plugin_data.proto and api.proto, and
// google/protobuf/struct.proto for the values. A summary carries an HParamsPluginData (version 0) as its plugin
// content and, like the plugin's own writer, an empty float tensor as its value.
import { ProtoReader, ProtoWriter, WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT } from './protobuf.ts';

export const HPARAMS_PLUGIN = 'hparams';
export const EXPERIMENT_TAG = '_hparams_/experiment';
export const SESSION_START_TAG = '_hparams_/session_start_info';
export const SESSION_END_TAG = '_hparams_/session_end_info';

export type HParamValue = string | number | boolean;

/** api.proto Status. */
export const STATUS = { unknown: 0, success: 1, failure: 2, running: 3 } as const;
/** api.proto DataType. */
export const DATA_TYPE = { unset: 0, string: 1, bool: 2, float64: 3 } as const;
/** api.proto DatasetType. */
export const DATASET = { unknown: 0, training: 1, validation: 2 } as const;

export interface HParamInfo {
  name: string;
  type: number;
  /** A discrete domain (choice) … */
  values?: HParamValue[];
  /** … or an interval (numeric ranges). */
  interval?: { min: number; max: number };
}

export interface MetricInfo {
  tag: string;
  group?: string;
  datasetType?: number;
}

export interface Experiment {
  name?: string;
  description?: string;
  timeCreatedSecs?: number;
  hparamInfos: HParamInfo[];
  metricInfos: MetricInfo[];
}

export interface SessionStartInfo {
  hparams: Record<string, HParamValue>;
  modelUri?: string;
  groupName?: string;
  startTimeSecs?: number;
}

export interface SessionEndInfo {
  status: number;
  endTimeSecs?: number;
}

export interface HParamsPluginData {
  version: number;
  experiment?: Experiment;
  sessionStartInfo?: SessionStartInfo;
  sessionEndInfo?: SessionEndInfo;
}

const PLUGIN_DATA = { version: 1, experiment: 2, sessionStartInfo: 3, sessionEndInfo: 4 } as const;
const START = { hparams: 1, modelUri: 2, monitorUrl: 3, groupName: 4, startTimeSecs: 5 } as const;
const END = { status: 1, endTimeSecs: 2 } as const;
const EXPERIMENT = { description: 1, user: 2, timeCreatedSecs: 3, hparamInfos: 4, metricInfos: 5, name: 6 } as const;
const HPARAM_INFO = { name: 1, displayName: 2, description: 3, type: 4, domainDiscrete: 5, domainInterval: 6 } as const;
const INTERVAL = { minValue: 1, maxValue: 2 } as const;
const METRIC_INFO = { name: 1, displayName: 3, description: 4, datasetType: 5 } as const;
const METRIC_NAME = { group: 1, tag: 2 } as const;
const MAP_ENTRY = { key: 1, value: 2 } as const;
// google.protobuf.Value's oneof kind, and ListValue.
const VALUE = { nullValue: 1, numberValue: 2, stringValue: 3, boolValue: 4, structValue: 5, listValue: 6 } as const;
const LIST_VALUE = { values: 1 } as const;

/** A google.protobuf.Value; its oneof member is written even when it holds 0, "" or false. */
function encodeValue(v: HParamValue): Uint8Array {
  const w = new ProtoWriter();
  if (typeof v === 'number') w.tag(VALUE.numberValue, WIRE_FIXED64).rawDouble(v);
  else if (typeof v === 'boolean') w.tag(VALUE.boolValue, WIRE_VARINT).varint(v ? 1 : 0);
  else w.messageField(VALUE.stringValue, new TextEncoder().encode(v));
  return w.finish();
}

function encodeList(values: HParamValue[]): Uint8Array {
  const w = new ProtoWriter();
  for (const v of values) w.messageField(LIST_VALUE.values, encodeValue(v));
  return w.finish();
}

function encodeHParamInfo(h: HParamInfo): Uint8Array {
  const w = new ProtoWriter().stringField(HPARAM_INFO.name, h.name).varintField(HPARAM_INFO.type, h.type);
  if (h.values) w.messageField(HPARAM_INFO.domainDiscrete, encodeList(h.values));
  else if (h.interval) {
    const interval = new ProtoWriter().tag(INTERVAL.minValue, WIRE_FIXED64).rawDouble(h.interval.min).tag(INTERVAL.maxValue, WIRE_FIXED64).rawDouble(h.interval.max);
    w.messageField(HPARAM_INFO.domainInterval, interval.finish());
  }
  return w.finish();
}

function encodeMetricInfo(m: MetricInfo): Uint8Array {
  const name = new ProtoWriter().stringField(METRIC_NAME.group, m.group ?? '').stringField(METRIC_NAME.tag, m.tag).finish();
  return new ProtoWriter().messageField(METRIC_INFO.name, name).varintField(METRIC_INFO.datasetType, m.datasetType ?? 0).finish();
}

function encodeExperiment(e: Experiment): Uint8Array {
  const w = new ProtoWriter().stringField(EXPERIMENT.description, e.description ?? '').doubleField(EXPERIMENT.timeCreatedSecs, e.timeCreatedSecs ?? 0);
  for (const h of e.hparamInfos) w.messageField(EXPERIMENT.hparamInfos, encodeHParamInfo(h));
  for (const m of e.metricInfos) w.messageField(EXPERIMENT.metricInfos, encodeMetricInfo(m));
  return w.stringField(EXPERIMENT.name, e.name ?? '').finish();
}

function encodeSessionStart(s: SessionStartInfo): Uint8Array {
  const w = new ProtoWriter();
  for (const [key, value] of Object.entries(s.hparams)) {
    const entry = new ProtoWriter().stringField(MAP_ENTRY.key, key).messageField(MAP_ENTRY.value, encodeValue(value)).finish();
    w.messageField(START.hparams, entry);
  }
  return w
    .stringField(START.modelUri, s.modelUri ?? '')
    .stringField(START.groupName, s.groupName ?? '')
    .doubleField(START.startTimeSecs, s.startTimeSecs ?? 0)
    .finish();
}

function encodeSessionEnd(s: SessionEndInfo): Uint8Array {
  return new ProtoWriter().varintField(END.status, s.status).doubleField(END.endTimeSecs, s.endTimeSecs ?? 0).finish();
}

/** The plugin content of one hparams summary (exactly one of experiment, session start, session end). */
export function encodeHParamsPluginData(data: Omit<HParamsPluginData, 'version'>): Uint8Array {
  const w = new ProtoWriter().varintField(PLUGIN_DATA.version, 0);
  if (data.experiment) w.messageField(PLUGIN_DATA.experiment, encodeExperiment(data.experiment));
  if (data.sessionStartInfo) w.messageField(PLUGIN_DATA.sessionStartInfo, encodeSessionStart(data.sessionStartInfo));
  if (data.sessionEndInfo) w.messageField(PLUGIN_DATA.sessionEndInfo, encodeSessionEnd(data.sessionEndInfo));
  return w.finish();
}

// Decoding, for tests and `sweep --resume`: unknown fields are skipped, as Google's library does.

/** Calls `on(field, wireType, reader)` for each field; `on` must consume the value or return false to skip it. */
function fields(bytes: Uint8Array, on: (field: number, wireType: number, r: ProtoReader) => boolean): void {
  const r = new ProtoReader(bytes);
  while (!r.done()) {
    const { field, wireType } = r.next();
    if (!on(field, wireType, r)) r.skip(wireType);
  }
}

function decodeValue(bytes: Uint8Array): HParamValue {
  let value: HParamValue = '';
  fields(bytes, (field, wireType, r) => {
    if (field === VALUE.numberValue && wireType === WIRE_FIXED64) value = r.double();
    else if (field === VALUE.stringValue && wireType === WIRE_LENGTH) value = r.string();
    else if (field === VALUE.boolValue && wireType === WIRE_VARINT) value = r.varint() !== 0;
    else return false;
    return true;
  });
  return value;
}

function decodeList(bytes: Uint8Array): HParamValue[] {
  const out: HParamValue[] = [];
  fields(bytes, (field, wireType, r) => field === LIST_VALUE.values && wireType === WIRE_LENGTH && out.push(decodeValue(r.lengthDelimited())) > 0);
  return out;
}

function decodeHParamInfo(bytes: Uint8Array): HParamInfo {
  const h: HParamInfo = { name: '', type: 0 };
  fields(bytes, (field, wireType, r) => {
    if (field === HPARAM_INFO.name && wireType === WIRE_LENGTH) h.name = r.string();
    else if (field === HPARAM_INFO.type && wireType === WIRE_VARINT) h.type = r.varint();
    else if (field === HPARAM_INFO.domainDiscrete && wireType === WIRE_LENGTH) h.values = decodeList(r.lengthDelimited());
    else if (field === HPARAM_INFO.domainInterval && wireType === WIRE_LENGTH) {
      const interval = { min: 0, max: 0 };
      fields(r.lengthDelimited(), (f, wt, inner) => {
        if (wt !== WIRE_FIXED64 || (f !== INTERVAL.minValue && f !== INTERVAL.maxValue)) return false;
        interval[f === INTERVAL.minValue ? 'min' : 'max'] = inner.double();
        return true;
      });
      h.interval = interval;
    } else return false;
    return true;
  });
  return h;
}

function decodeMetricInfo(bytes: Uint8Array): MetricInfo {
  const m: MetricInfo = { tag: '', group: '', datasetType: 0 };
  fields(bytes, (field, wireType, r) => {
    if (field === METRIC_INFO.datasetType && wireType === WIRE_VARINT) m.datasetType = r.varint();
    else if (field === METRIC_INFO.name && wireType === WIRE_LENGTH) {
      fields(r.lengthDelimited(), (f, wt, inner) => {
        if (wt !== WIRE_LENGTH || (f !== METRIC_NAME.group && f !== METRIC_NAME.tag)) return false;
        m[f === METRIC_NAME.group ? 'group' : 'tag'] = inner.string();
        return true;
      });
    } else return false;
    return true;
  });
  return m;
}

function decodeExperiment(bytes: Uint8Array): Experiment {
  const e: Experiment = { name: '', description: '', timeCreatedSecs: 0, hparamInfos: [], metricInfos: [] };
  fields(bytes, (field, wireType, r) => {
    if (field === EXPERIMENT.name && wireType === WIRE_LENGTH) e.name = r.string();
    else if (field === EXPERIMENT.description && wireType === WIRE_LENGTH) e.description = r.string();
    else if (field === EXPERIMENT.timeCreatedSecs && wireType === WIRE_FIXED64) e.timeCreatedSecs = r.double();
    else if (field === EXPERIMENT.hparamInfos && wireType === WIRE_LENGTH) e.hparamInfos.push(decodeHParamInfo(r.lengthDelimited()));
    else if (field === EXPERIMENT.metricInfos && wireType === WIRE_LENGTH) e.metricInfos.push(decodeMetricInfo(r.lengthDelimited()));
    else return false;
    return true;
  });
  return e;
}

function decodeSessionStart(bytes: Uint8Array): SessionStartInfo {
  const s: SessionStartInfo = { hparams: {}, modelUri: '', groupName: '', startTimeSecs: 0 };
  fields(bytes, (field, wireType, r) => {
    if (field === START.hparams && wireType === WIRE_LENGTH) {
      let key = '';
      let value: HParamValue = '';
      fields(r.lengthDelimited(), (f, wt, inner) => {
        if (f === MAP_ENTRY.key && wt === WIRE_LENGTH) key = inner.string();
        else if (f === MAP_ENTRY.value && wt === WIRE_LENGTH) value = decodeValue(inner.lengthDelimited());
        else return false;
        return true;
      });
      s.hparams[key] = value;
    } else if (field === START.modelUri && wireType === WIRE_LENGTH) s.modelUri = r.string();
    else if (field === START.groupName && wireType === WIRE_LENGTH) s.groupName = r.string();
    else if (field === START.startTimeSecs && wireType === WIRE_FIXED64) s.startTimeSecs = r.double();
    else return false;
    return true;
  });
  return s;
}

function decodeSessionEnd(bytes: Uint8Array): SessionEndInfo {
  const s: SessionEndInfo = { status: 0, endTimeSecs: 0 };
  fields(bytes, (field, wireType, r) => {
    if (field === END.status && wireType === WIRE_VARINT) s.status = r.varint();
    else if (field === END.endTimeSecs && wireType === WIRE_FIXED64) s.endTimeSecs = r.double();
    else return false;
    return true;
  });
  return s;
}

export function decodeHParamsPluginData(bytes: Uint8Array): HParamsPluginData {
  const d: HParamsPluginData = { version: 0 };
  fields(bytes, (field, wireType, r) => {
    if (field === PLUGIN_DATA.version && wireType === WIRE_VARINT) d.version = r.varint();
    else if (field === PLUGIN_DATA.experiment && wireType === WIRE_LENGTH) d.experiment = decodeExperiment(r.lengthDelimited());
    else if (field === PLUGIN_DATA.sessionStartInfo && wireType === WIRE_LENGTH) d.sessionStartInfo = decodeSessionStart(r.lengthDelimited());
    else if (field === PLUGIN_DATA.sessionEndInfo && wireType === WIRE_LENGTH) d.sessionEndInfo = decodeSessionEnd(r.lengthDelimited());
    else return false;
    return true;
  });
  return d;
}
