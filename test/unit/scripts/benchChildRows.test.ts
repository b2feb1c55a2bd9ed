// The train bench runs each backend's rows in a child process (scripts/bench/childRows.ts): a child that dies in a
// row becomes one crash row naming the backend, the row and the signal, after the rows it did print.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { childRows, type BenchRow } from '../../../scripts/bench/childRows.ts';

const script = (body: string) => ['-e', `const say = (r) => console.log(JSON.stringify(r)); ${body}`];

test('a child killed by a signal in a row: its earlier rows, then {"step": "crash", backend, row, signal}', async () => {
  const seen: BenchRow[] = [];
  const rows = await childRows(
    'webgpu',
    process.execPath,
    script(`say({ step: 'row-start', row: 'trainer A' }); say({ step: 'trainer', n: 1 }); say({ step: 'row-start', row: 'trainer B' }); process.kill(process.pid, 'SIGSEGV');`),
    (r) => seen.push(r),
  );
  assert.equal(rows, seen);
  assert.equal(rows, [
    { step: 'trainer', n: 1 },
    { step: 'crash', backend: 'webgpu', row: 'trainer B', signal: 'SIGSEGV' },
  ]);
});

test('a child that exits with an error before any row is a crash while setting up; a clean exit adds nothing', async () => {
  const failed = await childRows('native', process.execPath, script('process.exit(3)'), () => {});
  assert.equal(failed, [{ step: 'crash', backend: 'native', row: 'setting up', signal: null, exitCode: 3 }]);
  const fine = await childRows('wasm', process.execPath, script(`say({ step: 'row-start', row: 'x' }); say({ step: 'micro' });`), () => {});
  assert.equal(fine, [{ step: 'micro' }]);
});

test.run();
