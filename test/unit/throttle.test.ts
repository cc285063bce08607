import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoginThrottle, type ThrottleLimits } from '../../src/auth/throttle.js';

/** A throttle on a clock the test moves by hand. */
function throttle(limits: Partial<ThrottleLimits> = {}) {
  const clock = { now: 1_000_000 };
  const t = new LoginThrottle(
    { pairFailures: 5, pairDelay: 1, pairMaxDelay: 300, addressFailures: 30, ...limits },
    () => clock.now,
  );
  const advance = (seconds: number) => {
    clock.now += seconds * 1000;
  };
  return { t, advance };
}

describe('LoginThrottle', () => {
  it('lets a pair fail four times freely and makes it wait 1 s after the fifth', () => {
    const { t, advance } = throttle();
    for (let i = 0; i < 4; i++) {
      t.failure('alice', '10.0.0.1');
      assert.equal(t.retryAfter('alice', '10.0.0.1'), 0, `after failure ${i + 1}`);
    }
    t.failure('alice', '10.0.0.1');
    assert.equal(t.retryAfter('alice', '10.0.0.1'), 1);
    advance(0.999);
    assert.equal(t.retryAfter('alice', '10.0.0.1'), 1, 'a partial second rounds up');
    advance(0.001);
    assert.equal(t.retryAfter('alice', '10.0.0.1'), 0);
  });

  it('doubles the wait per further failure up to the 5-minute cap', () => {
    const { t, advance } = throttle();
    const waits: number[] = [];
    for (let i = 0; i < 14; i++) {
      t.failure('bob', '10.0.0.2');
      const w = t.retryAfter('bob', '10.0.0.2');
      waits.push(w);
      advance(w); // the attacker waits exactly as told, then fails again
    }
    assert.deepEqual(waits, [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300]);
  });

  it('does not overflow after very many failures', () => {
    const { t, advance } = throttle();
    for (let i = 0; i < 2000; i++) {
      t.failure('carol', '10.0.0.3');
      advance(400);
    }
    t.failure('carol', '10.0.0.3');
    assert.equal(t.retryAfter('carol', '10.0.0.3'), 300);
  });

  it('resets a pair on success', () => {
    const { t } = throttle();
    for (let i = 0; i < 5; i++) t.failure('dave', '10.0.0.4');
    assert.ok(t.retryAfter('dave', '10.0.0.4') > 0);
    t.success('dave', '10.0.0.4');
    assert.equal(t.retryAfter('dave', '10.0.0.4'), 0);
    for (let i = 0; i < 4; i++) t.failure('dave', '10.0.0.4');
    assert.equal(t.retryAfter('dave', '10.0.0.4'), 0, 'counting starts again from zero');
  });

  it('keys pairs by user name and address: another address or name is not affected', () => {
    const { t } = throttle();
    for (let i = 0; i < 5; i++) t.failure('erin', '10.0.0.5');
    assert.ok(t.retryAfter('erin', '10.0.0.5') > 0);
    assert.equal(t.retryAfter('erin', '10.0.0.6'), 0, 'the real user elsewhere is not locked out');
    assert.equal(t.retryAfter('frank', '10.0.0.5'), 0);
  });

  it('throttles an address with more than the limit of failures in a minute, until they leave the window', () => {
    const { t, advance } = throttle({ addressFailures: 30 });
    for (let i = 0; i < 30; i++) {
      t.failure(`user${i}`, '10.0.0.7');
      advance(1);
    }
    assert.equal(t.retryAfter('anyone', '10.0.0.7'), 0, 'exactly the limit is allowed');
    t.failure('user30', '10.0.0.7'); // the 31st, 30 s after the first
    const wait = t.retryAfter('anyone', '10.0.0.7');
    assert.equal(wait, 30, 'free when the first failure is a minute old');
    assert.equal(t.retryAfter('anyone', '10.0.0.8'), 0, 'other addresses are free');
    advance(wait - 1);
    assert.ok(t.retryAfter('anyone', '10.0.0.7') > 0);
    advance(1);
    assert.equal(t.retryAfter('anyone', '10.0.0.7'), 0);
  });

  it('forgets address failures older than a minute', () => {
    const { t, advance } = throttle({ addressFailures: 3 });
    for (let i = 0; i < 3; i++) t.failure(`u${i}`, '10.0.0.9');
    advance(61);
    t.failure('u3', '10.0.0.9');
    assert.equal(t.retryAfter('x', '10.0.0.9'), 0, 'only one failure is in the window');
  });

  it('honours sub-second configured delays (rounded up to whole seconds for Retry-After)', () => {
    const { t, advance } = throttle({ pairFailures: 1, pairDelay: 0.2, pairMaxDelay: 0.5 });
    t.failure('gina', '10.0.0.10');
    assert.equal(t.retryAfter('gina', '10.0.0.10'), 1);
    advance(0.2);
    assert.equal(t.retryAfter('gina', '10.0.0.10'), 0);
    t.failure('gina', '10.0.0.10'); // 0.4 s
    advance(0.4);
    assert.equal(t.retryAfter('gina', '10.0.0.10'), 0);
    t.failure('gina', '10.0.0.10'); // 0.8 s, capped at 0.5 s
    advance(0.5);
    assert.equal(t.retryAfter('gina', '10.0.0.10'), 0, 'the cap applies');
  });
});
