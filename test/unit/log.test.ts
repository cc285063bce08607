import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLogger } from '../../src/agent/log.js';
import type { Logger } from '../../src/lib/log.js';

describe('the agent logger (pino-shaped: fields first, message second)', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const log: Logger = jsonLogger((l) => void lines.push(JSON.parse(l) as Record<string, unknown>));
    return { lines, log };
  };

  it('writes one JSON line with level, message and fields', () => {
    const { lines, log } = capture();
    log.info({ generation: 7 }, 'desired state applied');
    assert.equal(lines.length, 1);
    const { time, ...rest } = lines[0];
    assert.match(String(time), /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(rest, { level: 'info', msg: 'desired state applied', generation: 7 });
  });

  it('takes a message alone, and writes an Error as its message', () => {
    const { lines, log } = capture();
    log.warn('ignored a frame');
    log.error({ error: new Error('boom') }, 'watch failed');
    assert.equal(lines[0].msg, 'ignored a frame');
    assert.equal(lines[0].level, 'warn');
    assert.deepEqual([lines[1].msg, lines[1].error], ['watch failed', 'boom']);
  });
});
