import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, publicUrl } from '../../src/config/config.js';

/** Loads a configuration, or answers the ConfigError's message. */
function fails(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`);
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    assert.equal(c.OTE_HOST, '127.0.0.1');
    assert.equal(c.OTE_PORT, 8080);
    assert.equal(c.OTE_DATA_DIR, './data');
    assert.equal(c.OTE_DATABASE_URL, undefined);
    assert.equal(c.OTE_ADMIN_USER, 'admin');
    assert.equal(c.OTE_ADMIN_PASSWORD, undefined);
    assert.equal(c.OTE_TOKEN_TTL, 3600);
    assert.equal(c.OTE_HEARTBEAT_GRACE, 40);
    assert.equal(c.OTE_REGISTRY_SERVICE, 'ote-registry');
    assert.equal(c.OTE_LOGIN_PAIR_FAILURES, 5);
    assert.equal(c.OTE_LOGIN_PAIR_DELAY, 1);
    assert.equal(c.OTE_LOGIN_PAIR_MAX_DELAY, 300);
    assert.equal(c.OTE_LOGIN_ADDRESS_FAILURES, 30);
    assert.equal(c.OTE_TRUST_PROXY, false);
  });

  it('converts numbers and booleans from text, and lets overrides (CLI flags) win', () => {
    const c = loadConfig(
      { OTE_PORT: '9000', OTE_LOGIN_PAIR_DELAY: '0.25', OTE_TRUST_PROXY: 'true', OTE_HOST: '0.0.0.0' },
      { OTE_PORT: '9100' },
    );
    assert.equal(c.OTE_PORT, 9100);
    assert.equal(c.OTE_LOGIN_PAIR_DELAY, 0.25);
    assert.equal(c.OTE_TRUST_PROXY, true);
    assert.equal(publicUrl(c), 'http://127.0.0.1:9100', 'a wildcard host is published as loopback');
    assert.equal(publicUrl(loadConfig({ OTE_PUBLIC_URL: 'https://hub.example/' })), 'https://hub.example');
    assert.equal(loadConfig({ OTE_PORT: '' }).OTE_PORT, 8080, 'an empty variable is unset');
  });

  it('refuses a bad OTE_PORT, naming it', () => {
    for (const port of ['abc', '70000', '-1', '1.5', '80x', '0x50', '1e3']) {
      assert.match(fails({ OTE_PORT: port }), /OTE_PORT/, port);
    }
    // Fractions are not truncated, nor other notations read as numbers: 1.5 is no port 1.
    assert.match(fails({ OTE_PORT: '1.5' }), /OTE_PORT: must be a whole number/);
    assert.match(fails({ OTE_TOKEN_TTL: '3600.9' }), /OTE_TOKEN_TTL/);
    for (const delay of ['abc', '0x1', '1e-1', '.5']) {
      assert.match(fails({ OTE_LOGIN_PAIR_DELAY: delay }), /OTE_LOGIN_PAIR_DELAY/, delay);
    }
  });

  it('refuses a bad OTE_DATABASE_URL, naming it and saying what is expected', () => {
    for (const url of ['mysql://db/x', 'localhost:5432', 'sqlite:./x.db']) {
      const message = fails({ OTE_DATABASE_URL: url });
      assert.match(message, /OTE_DATABASE_URL: must be a postgres:\/\/ URL/, url);
    }
    assert.equal(loadConfig({ OTE_DATABASE_URL: 'postgresql://u@h/db' }).OTE_DATABASE_URL, 'postgresql://u@h/db');
  });

  it('refuses a weak OTE_ADMIN_PASSWORD, naming it without echoing it', () => {
    for (const pw of ['short1A', 'alllowercase1', 'ALLUPPERCASE1', 'NoDigitsHere', `Aa1${'x'.repeat(18)}`]) {
      const message = fails({ OTE_ADMIN_PASSWORD: pw });
      assert.match(message, /OTE_ADMIN_PASSWORD: must be 8-20 characters/, pw);
      assert.ok(!message.includes(pw), 'the message does not repeat the password');
    }
    assert.equal(loadConfig({ OTE_ADMIN_PASSWORD: 'Strong-Passw0rd' }).OTE_ADMIN_PASSWORD, 'Strong-Passw0rd');
  });

  it('names every bad variable at once', () => {
    const message = fails({ OTE_PORT: 'abc', OTE_ADMIN_USER: '1admin', OTE_LOG_LEVEL: 'loud', OTE_TOKEN_TTL: '5' });
    for (const name of ['OTE_PORT', 'OTE_ADMIN_USER', 'OTE_LOG_LEVEL', 'OTE_TOKEN_TTL']) assert.match(message, new RegExp(name));
  });

  it('says which values a log level or a boolean may take', () => {
    assert.match(
      fails({ OTE_LOG_LEVEL: 'loud' }),
      /OTE_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent/,
    );
    assert.match(fails({ OTE_TRUST_PROXY: 'maybe' }), /OTE_TRUST_PROXY: must be true or false/);
  });

  it('refuses short secrets and non-http URLs', () => {
    assert.match(fails({ OTE_SECRET_KEY: 'too-short' }), /OTE_SECRET_KEY/);
    assert.match(fails({ OTE_JWT_SECRET: 'too-short' }), /OTE_JWT_SECRET/);
    assert.match(fails({ OTE_PUBLIC_URL: 'ftp://x' }), /OTE_PUBLIC_URL/);
    assert.match(fails({ OTE_REGISTRY_URL: 'registry:5000' }), /OTE_REGISTRY_URL/);
    assert.match(fails({ OTE_LOGIN_PAIR_FAILURES: '0' }), /OTE_LOGIN_PAIR_FAILURES/);
  });
});
