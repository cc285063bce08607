import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// deploy/prometheus-rules.yaml checked and unit-tested by Debian's promtool (package `prometheus`,
// installed by scripts/provision.sh), then mutated rule by rule to prove each test can fail.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RULES = path.join(ROOT, 'deploy/prometheus-rules.yaml');
const UNIT = path.join(ROOT, 'test/prometheus/rules-test.yaml');

function promtool(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Each alert's name and its one-line `expr:` (the file keeps every expression on one line). */
function alerts(text: string): { name: string; expr: string; block: string }[] {
  const blocks = text.split(/\n(?= +- alert: )/).slice(1);
  return blocks.map((block) => {
    const name = /- alert: (\w+)/.exec(block)![1];
    const expr = /\n\s+expr: (.+)\n/.exec(block)?.[1];
    assert.ok(expr, `${name}: expr on one line`);
    return { name, expr, block };
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ote-rules-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** promtool with stdout and stderr in one stream, so its report reads in order. */
function promtoolAsync(args: readonly string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/**
 * Runs the unit tests against changed copies of the rules; answers, per copy, whether
 * it passed and promtool's report. A run mostly waits (about 2 s, little CPU): a few at once.
 */
async function testWith(copies: readonly string[]): Promise<{ passed: boolean; out: string }[]> {
  const unitText = fs.readFileSync(UNIT, 'utf8');
  const results: { passed: boolean; out: string }[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < copies.length; i = next++) {
      const rulesFile = path.join(tmp, `rules-${i}.yaml`);
      fs.writeFileSync(rulesFile, copies[i]);
      const unitFile = path.join(tmp, `unit-${i}.yaml`);
      fs.writeFileSync(unitFile, unitText.replace('../../deploy/prometheus-rules.yaml', rulesFile));
      const r = await promtoolAsync(['test', 'rules', unitFile]);
      results[i] = { passed: r.code === 0, out: r.out };
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return results;
}

describe('deploy/prometheus-rules.yaml', () => {
  const text = fs.readFileSync(RULES, 'utf8');
  const list = alerts(text);

  it('is accepted by promtool check rules', () => {
    const r = promtool('check', 'rules', RULES);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`SUCCESS: ${list.length} rules found`));
  });

  it('covers what an operator watches, each alert with a severity, a summary and a runbook', () => {
    const names = list.map((a) => a.name);
    for (const want of [
      'OteHubDown',
      'OteClustersNotReady',
      'OteAllAgentsDisconnected',
      'OteClustersBehind',
      'OteAgentApplyFailures',
      'OtePendingReviewsPilingUp',
      'OteLoginFailureBurst',
    ]) {
      assert.ok(names.includes(want), `${want} is missing`);
    }
    for (const a of list) {
      assert.match(a.block, /\n\s+severity: (critical|warning|info)\n/, `${a.name}: severity`);
      assert.match(a.block, /\n\s+summary: "[^"]{10,}"/, `${a.name}: summary`);
      assert.match(a.block, /\n\s+description: >-\n[\s\S]*Runbook: /, `${a.name}: runbook-style description`);
    }
  });

  it('passes its promtool unit tests', () => {
    const r = promtool('test', 'rules', UNIT);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS/);
  });

  it('has unit tests that notice, for every alert, a rule that never fires and one that always fires', async () => {
    // Copy 0 is unchanged (it passes through the same path); then per alert: never, always.
    const copies = [text];
    for (const a of list) {
      copies.push(text.replace(`expr: ${a.expr}\n`, 'expr: vector(0) > 1\n'));
      copies.push(text.replace(`expr: ${a.expr}\n`, `expr: (${a.expr}) or on() vector(1)\n`));
    }
    const results = await testWith(copies);
    assert.ok(results[0].passed, results[0].out);
    list.forEach((a, i) => {
      for (const [how, r] of [
        ['never', results[1 + 2 * i]],
        ['always', results[2 + 2 * i]],
      ] as const) {
        assert.ok(!r.passed, `${a.name} ${how} firing went unnoticed`);
        assert.match(r.out, new RegExp(`alertname: ${a.name},`), `${a.name} ${how}: the failure names it`);
      }
    });
  });
});
