import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { type AgentFlags, UsageError, agentSettings, parseAgentArgs } from '../../src/cli/agent.js';

describe('ote agent flags', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-agent-flags-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  );
  const ca = path.join(dir, 'ca.pem');
  fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const good: AgentFlags = { hub: 'https://hub.example', token: 'tok', kubeconfig };

  it('accepts a complete set and defaults the heartbeat to 10 s', () => {
    const s = agentSettings({ ...good, ca });
    assert.equal(s.hubUrl, 'https://hub.example');
    assert.equal(s.token, 'tok');
    assert.equal(s.heartbeatSeconds, 10);
    assert.match(s.ca ?? '', /BEGIN CERTIFICATE/);
    assert.equal(s.kubeConfig.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
    assert.equal(agentSettings({ ...good, heartbeat: '0.5' }).heartbeatSeconds, 0.5);
  });

  const bad: [string, AgentFlags, RegExp][] = [
    ['no --hub', { ...good, hub: undefined }, /--hub URL is required/],
    ['no --token', { ...good, token: undefined }, /--token TOKEN is required/],
    ['a --hub that is not a URL', { ...good, hub: 'hub:8080' }, /--hub must be/],
    ['a --hub without a host', { ...good, hub: 'http:///x' }, /--hub must be/],
    ['a zero --heartbeat', { ...good, heartbeat: '0' }, /--heartbeat must be/],
    ['a non-numeric --heartbeat', { ...good, heartbeat: 'often' }, /--heartbeat must be/],
    ['an unreadable --ca', { ...good, ca: path.join(dir, 'nope.pem') }, /--ca: cannot read/],
    [
      'a missing --kubeconfig file',
      { ...good, kubeconfig: path.join(dir, 'missing') },
      /cannot load the Kubernetes configuration/,
    ],
  ];
  for (const [what, flags, message] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => agentSettings(flags),
        (err: unknown) => err instanceof UsageError && message.test(err.message),
      );
    });
  }
});

describe('ote agent argument parsing', () => {
  it('takes a join token that starts with "-" (base64url tokens can)', () => {
    const flags = parseAgentArgs(['--hub', 'http://h:1', '--token', '-Qx_9-abc', '--heartbeat', '1']);
    assert.deepEqual({ ...flags }, { hub: 'http://h:1', token: '-Qx_9-abc', heartbeat: '1' });
    assert.equal(parseAgentArgs(['--token=-abc']).token, '-abc');
  });
  it('refuses unknown flags, positionals and a flag without its value', () => {
    assert.throws(() => parseAgentArgs(['--hub', 'http://h:1', '--bogus', 'x']), /bogus/);
    assert.throws(() => parseAgentArgs(['extra']), /extra|positional/i);
    assert.throws(() => parseAgentArgs(['--hub']), /hub/);
  });
});
