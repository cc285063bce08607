import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS, LoginThrottle, MemoryThrottleStore, type ThrottleLimits } from '../../src/auth/throttle.js';

/** A throttle on a clock the test moves by hand, over the in-memory store. */
function throttle(limits: Partial<ThrottleLimits> = {}) {
  const clock = { now: 1_000_000 };
  const store = new MemoryThrottleStore(() => clock.now);
  const t = new LoginThrottle(store, { ...DEFAULT_LIMITS, ...limits }, () => clock.now);
  const advance = (seconds: number) => {
    clock.now += seconds * 1000;
  };
  /** One attempt with a wrong password: the seconds it was told to wait, or 0 when it was verified (and failed). */
  const fail = async (user: string, address: string): Promise<number> => {
    const slot = await t.reserve(user, address);
    return 'wait' in slot ? slot.wait : 0;
  };
  /** One attempt with the right password: the wait, or 0 when it got in. */
  const succeed = async (user: string, address: string): Promise<number> => {
    const slot = await t.reserve(user, address);
    if ('wait' in slot) return slot.wait;
    await slot.release();
    return 0;
  };
  return { t, store, advance, fail, succeed };
}

describe('LoginThrottle', () => {
  it('lets a pair fail five times and makes the sixth attempt wait 1 s, a partial second rounded up', async () => {
    const { advance, fail } = throttle();
    for (let i = 0; i < 5; i++) assert.equal(await fail('alice', '10.0.0.1'), 0, `failure ${i + 1}`);
    assert.equal(await fail('alice', '10.0.0.1'), 1);
    advance(0.999);
    assert.equal(await fail('alice', '10.0.0.1'), 1, 'a partial second rounds up');
    advance(0.001);
    assert.equal(await fail('alice', '10.0.0.1'), 0);
  });

  it('doubles the wait per further failure up to the 5-minute cap', async () => {
    const { advance, fail } = throttle({ nameFailures: 1000 });
    const waits: number[] = [];
    let verified = 0;
    while (waits.length < 10) {
      const w = await fail('bob', '10.0.0.2');
      if (w === 0) verified++;
      else {
        waits.push(w);
        advance(w); // the attacker waits exactly as told, then fails again
      }
    }
    assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]);
    assert.equal(verified, 5 + 9, 'five free failures, then one per wait');
  });

  it('counts attempts in flight: 100 at once are verified no more often than 100 one after another', async () => {
    const { t } = throttle({ pairFailures: 5, addressFailures: 1000, nameFailures: 1000 });
    const slots = await Promise.all(Array.from({ length: 100 }, () => t.reserve('carol', '10.0.0.3')));
    assert.equal(slots.filter((s) => !('wait' in s)).length, 5, 'five reservations, the rest told to wait');
  });

  it('resets a pair on success; a right password while the pair waits is refused too', async () => {
    const { advance, fail, succeed } = throttle();
    for (let i = 0; i < 5; i++) await fail('dave', '10.0.0.4');
    assert.equal(await succeed('dave', '10.0.0.4'), 1, 'the right password waits too');
    advance(1);
    assert.equal(await succeed('dave', '10.0.0.4'), 0);
    for (let i = 0; i < 5; i++) assert.equal(await fail('dave', '10.0.0.4'), 0, 'counting starts again from zero');
  });

  it('keys pairs by user name and address: another address or name is not affected', async () => {
    const { fail, succeed } = throttle();
    for (let i = 0; i < 5; i++) await fail('erin', '10.0.0.5');
    assert.ok((await fail('erin', '10.0.0.5')) > 0);
    assert.equal(await succeed('erin', '10.0.0.6'), 0, 'the real user elsewhere is not locked out');
    assert.equal(await succeed('frank', '10.0.0.5'), 0);
  });

  it('throttles an address with more than the limit of failures in a minute, until they leave the window', async () => {
    const { advance, fail, succeed } = throttle({ addressFailures: 30 });
    for (let i = 0; i < 30; i++) {
      assert.equal(await fail(`user${i}`, '10.0.0.7'), 0);
      advance(1);
    }
    assert.equal(await fail('user30', '10.0.0.7'), 0, 'the 31st, 30 s after the first, is still verified');
    const wait = await succeed('anyone', '10.0.0.7');
    assert.equal(wait, 30, 'free when the first failure is a minute old');
    assert.equal(await succeed('anyone', '10.0.0.8'), 0, 'other addresses are free');
    advance(wait - 1);
    assert.ok((await succeed('anyone', '10.0.0.7')) > 0);
    advance(1);
    assert.equal(await succeed('anyone', '10.0.0.7'), 0);
  });

  it('limits a name across addresses: after 20 failures in 15 min, one attempt per 10 s, and the right one gets in', async () => {
    const { advance, fail, succeed } = throttle();
    for (let i = 0; i < 20; i++) assert.equal(await fail('grace', `10.1.0.${i}`), 0, `address ${i}`);
    assert.equal(await fail('grace', '10.1.0.100'), 0, 'the 21st attempt is verified...');
    assert.equal(await fail('grace', '10.1.0.101'), 10, '...and the name then waits 10 s, from any address');
    assert.equal(await succeed('grace', '10.1.0.102'), 10, 'the owner too (a delay, not a lockout)');
    assert.equal(await succeed('heidi', '10.1.0.101'), 0, 'other names are free');
    advance(10);
    assert.equal(await succeed('grace', '10.1.0.103'), 0, 'one attempt per 10 s, and a right password logs in');
    advance(10);
    assert.equal(await fail('grace', '10.1.0.104'), 0);
    assert.equal(await fail('grace', '10.1.0.105'), 10);
    advance(15 * 60);
    for (let i = 0; i < 20; i++) assert.equal(await fail('grace', `10.2.0.${i}`), 0, 'old failures have left the window');
  });

  it('releases only its own mark on success: the failures of others stay', async () => {
    const { fail, succeed } = throttle({ nameFailures: 3 });
    for (let i = 0; i < 3; i++) await fail('ivan', `10.3.0.${i}`);
    assert.equal(await succeed('ivan', '10.3.0.9'), 0, 'the 4th attempt is allowed and right');
    assert.equal(await fail('ivan', '10.3.0.8'), 10, 'the name still waits: the success did not wipe the guesses');
  });

  it('forgets address failures older than a minute', async () => {
    const { advance, fail, succeed } = throttle({ addressFailures: 3 });
    for (let i = 0; i < 4; i++) await fail(`u${i}`, '10.0.0.9');
    assert.ok((await succeed('x', '10.0.0.9')) > 0);
    advance(61);
    assert.equal(await succeed('x', '10.0.0.9'), 0);
  });

  it('honours sub-second configured delays (rounded up to whole seconds for Retry-After)', async () => {
    const { advance, fail } = throttle({ pairFailures: 1, pairDelay: 0.2, pairMaxDelay: 0.5 });
    assert.equal(await fail('gina', '10.0.0.10'), 0);
    assert.equal(await fail('gina', '10.0.0.10'), 1);
    advance(0.2);
    assert.equal(await fail('gina', '10.0.0.10'), 0); // sets 0.4 s
    advance(0.4);
    assert.equal(await fail('gina', '10.0.0.10'), 0); // sets 0.8 s, capped at 0.5 s
    advance(0.5);
    assert.equal(await fail('gina', '10.0.0.10'), 0, 'the cap applies');
  });

  it('prunes state that can make nobody wait', async () => {
    const { t, store, advance, fail } = throttle();
    await fail('kim', '10.0.0.11');
    assert.equal(store.size, 3);
    advance(DEFAULT_LIMITS.pairMaxDelay * 3 + 1);
    await t.prune();
    assert.equal(store.size, 0);
  });
});
