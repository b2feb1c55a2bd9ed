// The sessions as Parquet columns: the dataset's own 21 columns under their own names, one row per play, typed as
// Spark infers them from the CSV (strings, 32-bit integers, booleans, `date` as DATE).
import type { SchemaElement } from 'hyparquet';
import { LOG_COLUMNS, type LogColumn } from '../format/columns.ts';

type ParquetKind = 'STRING' | 'INT32' | 'BOOLEAN' | 'DATE';

const PARQUET_KIND: Record<LogColumn, ParquetKind> = {
  session_id: 'STRING',
  session_position: 'INT32',
  session_length: 'INT32',
  track_id_clean: 'STRING',
  skip_1: 'BOOLEAN',
  skip_2: 'BOOLEAN',
  skip_3: 'BOOLEAN',
  not_skipped: 'BOOLEAN',
  context_switch: 'BOOLEAN',
  no_pause_before_play: 'BOOLEAN',
  short_pause_before_play: 'BOOLEAN',
  long_pause_before_play: 'BOOLEAN',
  hist_user_behavior_n_seekfwd: 'INT32',
  hist_user_behavior_n_seekback: 'INT32',
  hist_user_behavior_is_shuffle: 'BOOLEAN',
  hour_of_day: 'INT32',
  date: 'DATE',
  premium: 'BOOLEAN',
  context_type: 'STRING',
  hist_user_behavior_reason_start: 'STRING',
  hist_user_behavior_reason_end: 'STRING',
};

function element(name: LogColumn): SchemaElement {
  const kind = PARQUET_KIND[name];
  const base = { name, repetition_type: 'REQUIRED' as const };
  if (kind === 'STRING') return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' };
  if (kind === 'DATE') return { ...base, type: 'INT32', converted_type: 'DATE' };
  return { ...base, type: kind };
}

/** The flat Parquet schema the export writes (root first, as Parquet lists it). */
export const SESSION_SCHEMA: SchemaElement[] = [{ name: 'root', num_children: LOG_COLUMNS.length }, ...LOG_COLUMNS.map(element)];
