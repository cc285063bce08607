import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, publicUrlWarning } from '../../src/config/config.js';
import { isLoopbackHost, isLoopbackUrl, isWildcardHost } from '../../src/lib/loopback.js';

describe('loopback addresses', () => {
  it('knows the names and addresses only this machine reaches', () => {
    for (const h of ['localhost', 'LOCALHOST', 'hub.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) {
      assert.equal(isLoopbackHost(h), true, h);
    }
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '128.0.0.1', 'hub.example.com', 'localhost.example.com', '::2']) {
      assert.equal(isLoopbackHost(h), false, h);
    }
    assert.equal(isLoopbackUrl('http://127.0.0.1:8080'), true);
    assert.equal(isLoopbackUrl('https://[::1]:8443/ote'), true);
    assert.equal(isLoopbackUrl('https://hub.example.com'), false);
    assert.equal(isLoopbackUrl('not a url'), false);
    assert.equal(isWildcardHost('0.0.0.0') && isWildcardHost('::') && !isWildcardHost('127.0.0.1'), true);
  });
});

describe('the start-up warning about OTE_PUBLIC_URL', () => {
  const warn = (env: Record<string, string>) => publicUrlWarning(loadConfig(env), 8080);
  it('is silent for a hub on loopback (a developer machine) and for a public URL that others reach', () => {
    assert.equal(warn({}), null);
    assert.equal(warn({ OTE_HOST: 'localhost' }), null);
    assert.equal(warn({ OTE_HOST: '0.0.0.0', OTE_PUBLIC_URL: 'https://hub.example.com' }), null);
  });
  it('names the loopback address the join commands would carry while listening on every address', () => {
    assert.match(
      warn({ OTE_HOST: '0.0.0.0' }) ?? '',
      /OTE_PUBLIC_URL is unset, so it defaults to http:\/\/127\.0\.0\.1:8080, a loopback address/,
    );
    assert.match(
      warn({ OTE_HOST: '::', OTE_PUBLIC_URL: 'http://localhost:8080' }) ?? '',
      /OTE_PUBLIC_URL is http:\/\/localhost:8080, a loopback/,
    );
  });
  it('reminds that an unset OTE_PUBLIC_URL is a guess when listening on one outside address', () => {
    assert.match(warn({ OTE_HOST: '10.0.0.5' }) ?? '', /OTE_PUBLIC_URL is unset: join commands .* use http:\/\/10\.0\.0\.5:8080/);
  });
});
