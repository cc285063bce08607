import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnOte } from '../helpers/agent-process.js';

// The real command: bad flags stop it with status 2 and a message before it touches the network
// (each rule is unit-tested in test/unit/agent-cli.test.ts).
describe('ote agent command line', () => {
  it('exits 2 naming the missing flag (and takes a token that starts with "-")', async () => {
    const p = spawnOte(['agent', '--token', '-starts-with-a-dash']);
    const timer = setTimeout(() => void p.stop('SIGKILL'), 60_000);
    try {
      assert.equal(await p.exited, 2, p.log());
      assert.match(p.log(), /ote agent: --hub URL is required/);
    } finally {
      clearTimeout(timer);
    }
  });

  it('exits non-zero on an unknown flag', async () => {
    const p = spawnOte(['agent', '--hub', 'http://127.0.0.1:9', '--token', 't', '--bogus']);
    const timer = setTimeout(() => void p.stop('SIGKILL'), 60_000);
    try {
      assert.equal(await p.exited, 1, p.log());
      assert.match(p.log(), /bogus/);
    } finally {
      clearTimeout(timer);
    }
  });
});
