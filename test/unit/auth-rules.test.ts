import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveRole } from '../../src/access/roles.js';
import { tokenFrom } from '../../src/http/hooks.js';
import { PASSWORD_RE, PHONE_RE, USER_NAME_RE } from '../../src/lib/validation.js';
import { generatePassword } from '../../src/users/bootstrap.js';

describe('tokenFrom (the Authorization header)', () => {
  it('takes the bare token (the seed form) and "Bearer <token>" in any case', () => {
    assert.equal(tokenFrom('abc.def.ghi'), 'abc.def.ghi');
    assert.equal(tokenFrom('Bearer abc.def.ghi'), 'abc.def.ghi');
    assert.equal(tokenFrom('bearer   abc'), 'abc');
    assert.equal(tokenFrom('  abc  '), 'abc');
  });
  it('refuses what is not one token', () => {
    for (const h of [undefined, '', '   ', 'Bearer', 'Bearer ', 'Bearer a b', 'Basic a b', 'a b']) {
      assert.equal(tokenFrom(h), null, JSON.stringify(h));
    }
  });
});

describe('deriveRole (API.md §2)', () => {
  const approved = { isSystem: false, status: 1, isAdmin: false, businessStatus: null };
  it('derives every role from the facts', () => {
    assert.equal(deriveRole({ ...approved, isSystem: true }), 4);
    assert.equal(deriveRole({ ...approved, status: 0 }), 0);
    assert.equal(deriveRole({ ...approved, status: 0, businessStatus: 1, isAdmin: true }), 0, 'pending beats membership');
    assert.equal(deriveRole(approved), 1);
    assert.equal(deriveRole({ ...approved, isAdmin: true }), 1, 'an admin without a business');
    assert.equal(deriveRole({ ...approved, businessStatus: 1 }), 2);
    assert.equal(deriveRole({ ...approved, businessStatus: 1, isAdmin: true }), 3);
  });
  it('gives members of a business that is not approved role 1', () => {
    for (const businessStatus of [0, 2, 3]) {
      assert.equal(deriveRole({ ...approved, businessStatus, isAdmin: true }), 1, `business status ${businessStatus}`);
    }
  });
});

describe('the name and password rules (API.md §1)', () => {
  it('password: 8-20 characters with upper, lower and digit', () => {
    for (const ok of ['Abcdefg1', `Aa1${'x'.repeat(17)}`, 'Pässwört1A', 'A1 b c d e']) assert.ok(PASSWORD_RE.test(ok), ok);
    for (const bad of ['Abcdef1', `Aa1${'x'.repeat(18)}`, 'abcdefg1', 'ABCDEFG1', 'Abcdefgh', '']) {
      assert.ok(!PASSWORD_RE.test(bad), bad);
    }
  });
  it('user names and phones', () => {
    assert.ok(USER_NAME_RE.test(`a${'b'.repeat(31)}`));
    assert.ok(!USER_NAME_RE.test(`a${'b'.repeat(32)}`));
    assert.ok(!USER_NAME_RE.test('1a'));
    assert.ok(PHONE_RE.test('+123456') && PHONE_RE.test('1'.repeat(20)));
    assert.ok(!PHONE_RE.test('12345') && !PHONE_RE.test('1'.repeat(21)) && !PHONE_RE.test('+'));
  });
});

describe('generatePassword (bootstrap)', () => {
  it('always passes the policy and never repeats', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const p = generatePassword();
      assert.ok(PASSWORD_RE.test(p), p);
      assert.equal(p.length, 20);
      seen.add(p);
    }
    assert.equal(seen.size, 500);
  });
});
