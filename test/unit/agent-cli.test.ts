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
    [
      'no token at all',
      { ...good, token: undefined },
      /join token is required: set OTE_AGENT_TOKEN, or pass --token-file PATH or --token TOKEN/,
    ],
    ['both --token and --token-file', { ...good, 'token-file': path.join(dir, 'token') }, /once: --token or --token-file/],
    [
      'an unreadable --token-file',
      { ...good, token: undefined, 'token-file': path.join(dir, 'nope') },
      /--token-file: cannot read/,
    ],
    ['an empty --token-file', { ...good, token: undefined, 'token-file': path.join(dir, 'empty') }, /--token-file: .* is empty/],
    ['a plain-http cluster without insecure-skip-tls-verify', { ...good, kubeconfig: path.join(dir, 'http') }, /plain http/],
    ['a kubeconfig without a current cluster', { ...good, kubeconfig: path.join(dir, 'no-context') }, /no Kubernetes cluster in/],
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
  fs.writeFileSync(path.join(dir, 'token'), '  file-token\n');
  fs.writeFileSync(path.join(dir, 'empty'), '\n');
  fs.writeFileSync(path.join(dir, 'http'), fs.readFileSync(kubeconfig, 'utf8').replace('https://', 'http://'));
  fs.writeFileSync(path.join(dir, 'no-context'), 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
  // No $KUBECONFIG and an empty home: only --kubeconfig (or a pod's service account) can help.
  const bare = { HOME: path.join(dir, 'home') };
  for (const [what, flags, message] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => agentSettings(flags, bare),
        (err: unknown) => err instanceof UsageError && message.test(err.message),
      );
    });
  }

  it('takes the token from --token-file (trimmed), else from OTE_AGENT_TOKEN; a flag wins over the environment', () => {
    const env = { ...bare, OTE_AGENT_TOKEN: 'env-token' };
    assert.equal(agentSettings({ ...good, token: undefined, 'token-file': path.join(dir, 'token') }, env).token, 'file-token');
    assert.equal(agentSettings({ ...good, token: undefined }, env).token, 'env-token');
    assert.equal(agentSettings(good, env).token, 'tok');
    assert.throws(
      () => agentSettings({ ...good, token: undefined }, { ...bare, OTE_AGENT_TOKEN: '  ' }),
      /join token is required/,
    );
  });

  it('without --kubeconfig uses $KUBECONFIG or ~/.kube/config, and refuses at once when there is none', () => {
    assert.throws(
      () => agentSettings({ ...good, kubeconfig: undefined }, bare),
      (err: unknown) =>
        err instanceof UsageError &&
        /no Kubernetes configuration found: pass --kubeconfig PATH, set KUBECONFIG/.test(err.message),
    );
    const viaEnv = agentSettings({ ...good, kubeconfig: undefined }, { ...bare, KUBECONFIG: kubeconfig });
    assert.equal(viaEnv.kubeConfig.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
    fs.mkdirSync(path.join(dir, 'home', '.kube'), { recursive: true });
    fs.copyFileSync(kubeconfig, path.join(dir, 'home', '.kube', 'config'));
    try {
      const viaHome = agentSettings({ ...good, kubeconfig: undefined }, bare);
      assert.equal(viaHome.kubeConfig.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
    } finally {
      fs.rmSync(path.join(dir, 'home'), { recursive: true, force: true });
    }
  });
});

describe('ote agent argument parsing', () => {
  it('takes a join token that starts with "-" (base64url tokens can)', () => {
    const flags = parseAgentArgs(['--hub', 'http://h:1', '--token', '-Qx_9-abc', '--heartbeat', '1']);
    assert.deepEqual({ ...flags }, { hub: 'http://h:1', token: '-Qx_9-abc', heartbeat: '1' });
    assert.equal(parseAgentArgs(['--token=-abc']).token, '-abc');
  });
  it('takes --help (and -h) and --token-file', () => {
    assert.equal(parseAgentArgs(['--help']).help, true);
    assert.equal(parseAgentArgs(['-h']).help, true);
    assert.equal(parseAgentArgs(['--token-file', '/run/secrets/ote'])['token-file'], '/run/secrets/ote');
  });
  it('refuses unknown flags, positionals and a flag without its value', () => {
    assert.throws(() => parseAgentArgs(['--hub', 'http://h:1', '--bogus', 'x']), /bogus/);
    assert.throws(() => parseAgentArgs(['extra']), /extra|positional/i);
    assert.throws(() => parseAgentArgs(['--hub']), /hub/);
  });
});
