import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { staleWhileRevalidate } from '../../src/server/metrics.js';

describe('fleet figures served stale while revalidating (server/metrics.ts)', () => {
  it('waits for the first value, serves it while fresh, refreshes behind a later call, keeps it on failure', async () => {
    let calls = 0;
    let fail = false;
    const get = staleWhileRevalidate(
      async () => {
        calls++;
        if (fail) throw new Error('database down');
        return calls;
      },
      50,
      10_000,
    );
    assert.equal(await get(), 1, 'the first call waits');
    assert.equal(await get(), 1, 'fresh: no new computation');
    assert.equal(calls, 1);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(await get(), 1, 'stale: served at once ...');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(await get(), 2, '... and refreshed behind it');
    fail = true;
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(await get(), 2, 'a failed refresh keeps the last value');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(await get(), 2);
  });
  it('waits when the last value is too old, and fails when there is none', async () => {
    let n = 0;
    const get = staleWhileRevalidate(async () => ++n, 0, 0);
    assert.equal(await get(), 1);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(await get(), 2, 'older than the limit: waited for');
    const broken = staleWhileRevalidate(() => Promise.reject(new Error('database down')));
    await assert.rejects(broken(), /database down/);
  });
});
