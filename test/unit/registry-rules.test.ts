import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { nextLink } from '../../src/registry/client.js';
import { eventSeconds } from '../../src/registry/notifications.js';
import { RobotCredentials } from '../../src/registry/robots.js';
import { intersect, parseScopes, projectOf } from '../../src/registry/scopes.js';
import { addressProblem } from '../../src/repository/address.js';
import { dockerConfigJson } from '../../src/repository/pull-secrets.js';
import { SecretBox } from '../../src/repository/secret-box.js';

describe('registry scopes', () => {
  it('parses type(class):name:actions, names with a host:port, several per value, and skips junk', () => {
    assert.deepEqual(parseScopes(['repository:p/app:pull,push', 'repository(plugin):p/x:pull registry:catalog:*']), [
      { type: 'repository', name: 'p/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'p/x', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    assert.deepEqual(parseScopes(['repository:reg.example:5000/p/app:pull']), [
      { type: 'repository', name: 'reg.example:5000/p/app', actions: ['pull'] },
    ]);
    assert.deepEqual(
      parseScopes(['', 'repository', 'repository:p/app', 'repository:p/app:', ':x:pull', 'repository:p/a:pull,pull']),
      [{ type: 'repository', name: 'p/a', actions: ['pull'] }],
    );
  });

  it('intersects asked and allowed actions; * asks for all that is allowed', () => {
    const allowed = new Set(['pull', 'push'] as const);
    assert.deepEqual(intersect(['push', 'delete', 'pull'], allowed), ['pull', 'push']);
    assert.deepEqual(intersect(['*'], allowed), ['pull', 'push']);
    assert.deepEqual(intersect(['delete'], allowed), []);
  });

  it('takes the project from the first path component of a repository with at least two', () => {
    assert.equal(projectOf('proj/app'), 'proj');
    assert.equal(projectOf('proj/a/b'), 'proj');
    assert.equal(projectOf('proj'), null);
    assert.equal(projectOf('/app'), null);
    assert.equal(projectOf('proj/'), null);
  });

  it("grants nothing on a name outside Distribution's grammar (issue 11, finding 9)", () => {
    for (const bad of [
      'projb/../proja/img',
      'proj/./img',
      'proj//img',
      'Proj/img',
      'proj/img/',
      'proj/-img',
      'proj/img.',
      `p/${'a'.repeat(254)}`,
      'proj/im g',
      'localhost:5000/proj/img',
    ]) {
      assert.equal(projectOf(bad), null, bad);
    }
    for (const good of ['proj/img', 'proj/a.b/c__d', 'proj/a--b/c_d', `p/${'a'.repeat(253)}`]) {
      assert.equal(projectOf(good), 'proj'.slice(0, good.indexOf('/')), good);
    }
  });
});

describe('registry client helpers', () => {
  it("follows Distribution's Link header", () => {
    assert.equal(nextLink('</v2/_catalog?last=b&n=2>; rel="next"'), '/v2/_catalog?last=b&n=2');
    assert.equal(nextLink('<http://r:5000/v2/_catalog?last=p%2Fx&n=1000>; rel=next'), '/v2/_catalog?last=p%2Fx&n=1000');
    assert.equal(nextLink(null), null);
    assert.equal(nextLink('</v2/_catalog?last=b>; rel="prev"'), null);
  });

  it('reads event times with nanoseconds, and falls back on junk', () => {
    assert.equal(eventSeconds('2026-01-02T03:04:05.123456789Z', 7), Date.parse('2026-01-02T03:04:05Z') / 1000);
    assert.equal(eventSeconds('2026-01-02T03:04:05+01:00', 7), Date.parse('2026-01-02T02:04:05Z') / 1000);
    assert.equal(eventSeconds('yesterday', 7), 7);
    assert.equal(eventSeconds(undefined, 7), 7);
  });
});

describe('external registry addresses', () => {
  it('accepts host[:port] with DNS names and IP literals', () => {
    for (const ok of [
      'r.example.com',
      'r.example.com:5000',
      'localhost',
      '10.0.0.1',
      '10.0.0.1:443',
      '[::1]',
      '[fd00::1]:5000',
      'a-b.c1',
    ]) {
      assert.equal(addressProblem(ok), null, ok);
    }
  });
  it('names what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['https://r.example.com', /scheme/],
      ['user@r.example.com', /user info/],
      ['r.example.com/v2', /path/],
      ['r.example.com?x', /path/],
      ['r.example.com\t', /whitespace/],
      ['fd00::1', /IPv6 literal goes in brackets/],
      ['[zz::1]', /IPv6/],
      ['[fe80::1%eth0]:5000', /IPv6/],
      ['[fe80::1%25eth0]', /IPv6/],
      ['256.1.1.1', /IPv4/],
      ['r.example.com:65536', /port/],
      ['r.example.com:0', /port/],
      ['r.example.com:', /host\[:port\]/],
      ['-r.example.com', /DNS name/],
      [`${'a'.repeat(64)}.com`, /DNS name/],
      ['', /required/],
    ];
    for (const [input, why] of cases) assert.match(addressProblem(input) ?? 'accepted', why, JSON.stringify(input));
  });
});

describe('secrets at rest and in pull secrets', () => {
  it('seals with AES-256-GCM: round trip, fresh IV each time, tampering detected, wrong key refused', () => {
    const box = new SecretBox(randomBytes(32));
    const a = box.seal('s3cret ✓');
    const b = box.seal('s3cret ✓');
    assert.notEqual(a, b, 'a fresh IV each time');
    assert.ok(!a.includes('s3cret'));
    assert.equal(box.open(a), 's3cret ✓');
    const parts = a.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    assert.throws(() => box.open([...parts.slice(0, 3), flipped.toString('base64url')].join('.')));
    assert.throws(() => new SecretBox(randomBytes(32)).open(a));
    assert.throws(() => new SecretBox(randomBytes(16)));
  });

  it('writes .dockerconfigjson documents with username, password and auth', () => {
    const doc = JSON.parse(dockerConfigJson('r.example:5000', 'u', 'p:w'));
    assert.deepEqual(doc, {
      auths: { 'r.example:5000': { username: 'u', password: 'p:w', auth: Buffer.from('u:p:w').toString('base64') } },
    });
  });

  it("derives each business's robot password and verifies only the matching pair", () => {
    const robots = new RobotCredentials(randomBytes(32));
    assert.equal(robots.userName(12), 'ote-pull-12');
    assert.equal(robots.verify('ote-pull-12', robots.password(12)), 12);
    assert.equal(robots.verify('ote-pull-12', robots.password(13)), null);
    assert.equal(robots.verify('ote-pull-012', robots.password(12)), null);
    assert.equal(robots.verify('someone', robots.password(12)), null);
    assert.notEqual(new RobotCredentials(randomBytes(32)).password(12), robots.password(12));
  });
});
