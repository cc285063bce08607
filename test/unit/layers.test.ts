/**
 * Layers point down (STYLE.md §13): every relative import in src/ is checked
 * against the layer table below. The hub, bottom to top: lib, db, access →
 * http, config → agent-link → domains (which may use each other) → server →
 * cli. The agent is a program of its own: it may use lib, config and the wire
 * protocol it shares with the hub (agent-link/protocol.ts: the frames, and
 * agent-link/state-hash.ts: the state hash both ends compute, which the agent
 * checks deltas against), and nothing those pull in may reach further.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const SRC = resolve(import.meta.dirname, '../../src');

/** Folder of src/ → rank; a module may import its own rank or lower. */
const HUB_LAYERS: Readonly<Record<string, number>> = {
  lib: 0,
  db: 0,
  access: 0,
  http: 1,
  config: 1,
  'agent-link': 2,
  users: 3,
  businesses: 3,
  clusters: 3,
  nodes: 3,
  repository: 3,
  registry: 3,
  apps: 3,
  alerts: 3,
  settings: 3,
  audit: 3,
  auth: 3,
  health: 3,
  server: 4,
  cli: 5,
};
const LAYER_NAMES = ['lib/db/access', 'http/config', 'agent-link', 'domains', 'server', 'cli'];
const AGENT = 'agent';
/** Who may import the agent program: only the command line that starts it. */
const AGENT_IMPORTERS = new Set(['cli']);
/** The wire protocol the agent shares with the hub: the frames, and the state hash both ends compute (issue #13). */
const WIRE = new Set(['agent-link/protocol.ts', 'agent-link/state-hash.ts']);
/** What the agent may import besides itself. */
const agentMayUse = (file: string) => ['lib', 'config'].includes(folderOf(file)) || WIRE.has(file);

/** `apps/service.ts` → `apps`. Paths are relative to src/, with forward slashes. */
export function folderOf(file: string): string {
  const i = file.indexOf('/');
  return i < 0 ? '' : file.slice(0, i);
}

function describeLayer(folder: string): string {
  if (folder === AGENT) return 'the agent';
  const rank = HUB_LAYERS[folder];
  return rank === undefined ? `no layer` : `layer ${LAYER_NAMES[rank]}`;
}

/**
 * Why `from` may not import `to` (both relative to src/), or null when it may.
 * Only the direct import is judged here; the agent's reach is checked transitively below.
 */
export function violation(from: string, to: string): string | null {
  const [f, t] = [folderOf(from), folderOf(to)];
  for (const [file, folder] of [
    [from, f],
    [to, t],
  ] as const) {
    if (folder !== AGENT && HUB_LAYERS[folder] === undefined) {
      return `src/${file} is in no layer: add its folder to HUB_LAYERS in test/unit/layers.test.ts`;
    }
  }
  if (f === t) return null;
  if (f === AGENT) {
    return agentMayUse(to)
      ? null
      : `the agent may use only lib, config and the wire protocol (agent-link/protocol.ts, state-hash.ts), not ${describeLayer(t)}`;
  }
  if (t === AGENT) return AGENT_IMPORTERS.has(f) ? null : `only the cli may import the agent program`;
  if (HUB_LAYERS[t] > HUB_LAYERS[f]) return `${describeLayer(f)} may not import ${describeLayer(t)} (a higher layer)`;
  return null;
}

export interface Import {
  readonly from: string;
  readonly line: number;
  readonly to: string;
}

/** Every relative import of one source file, resolved to a path relative to src/ (`.js` → `.ts`). */
export function importsOf(file: string, text: string): Import[] {
  const info = ts.preProcessFile(text, true, true);
  const out: Import[] = [];
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const to = posix.normalize(posix.join(posix.dirname(file), ref.fileName)).replace(/\.js$/, '.ts');
    const line = text.slice(0, ref.pos).split('\n').length;
    out.push({ from: file, line, to });
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

let cached: Map<string, Import[]> | undefined;
function srcImports(): Map<string, Import[]> {
  if (cached) return cached;
  const byFile = new Map<string, Import[]>();
  for (const path of sourceFiles(SRC)) {
    const file = relative(SRC, path).split(sep).join('/');
    byFile.set(file, importsOf(file, readFileSync(path, 'utf8')));
  }
  cached = byFile;
  return byFile;
}

const show = (i: Import, why: string) => `src/${i.from}:${i.line} imports src/${i.to}: ${why}`;

describe('layers', () => {
  it('judges synthetic imports (the check can fail)', () => {
    // Down or sideways: allowed.
    assert.equal(violation('apps/service.ts', 'http/errors.ts'), null);
    assert.equal(violation('apps/service.ts', 'businesses/store.ts'), null);
    assert.equal(violation('http/errors.ts', 'lib/time.ts'), null);
    assert.equal(violation('server/app.ts', 'apps/routes.ts'), null);
    assert.equal(violation('cli/agent.ts', 'agent/agent.ts'), null);
    assert.equal(violation('agent/agent.ts', 'agent-link/protocol.ts'), null);
    assert.equal(violation('agent/desired-state.ts', 'agent-link/state-hash.ts'), null);
    assert.equal(violation('agent/reconcile.ts', 'agent/log.ts'), null);
    // Up: refused, and the message says which layers.
    assert.match(violation('http/hooks.ts', 'apps/service.ts') ?? '', /http\/config may not import layer domains/);
    assert.match(violation('apps/service.ts', 'server/wiring.ts') ?? '', /domains may not import layer server/);
    assert.match(violation('db/index.ts', 'config/config.ts') ?? '', /lib\/db\/access may not import layer http\/config/);
    assert.match(violation('agent-link/link.ts', 'apps/desired.ts') ?? '', /agent-link may not import layer domains/);
    assert.match(violation('server/app.ts', 'cli/serve.ts') ?? '', /server may not import layer cli/);
    // The agent and the hub stay apart.
    assert.match(violation('agent/agent.ts', 'agent-link/link.ts') ?? '', /the agent may use only/);
    assert.match(violation('agent/agent.ts', 'apps/schemas.ts') ?? '', /the agent may use only/);
    assert.match(violation('server/app.ts', 'agent/log.ts') ?? '', /only the cli may import the agent/);
    // A new folder must be placed in a layer.
    assert.match(violation('web/index.ts', 'lib/time.ts') ?? '', /src\/web\/index\.ts is in no layer/);
  });

  it('reads imports with their lines', () => {
    const text =
      "import type { A } from '../http/app.js';\n// import x from '../server/app.js'\nexport { b } from './b.js';\nimport 'node:fs';\n";
    assert.deepEqual(importsOf('apps/routes.ts', text), [
      { from: 'apps/routes.ts', line: 1, to: 'http/app.ts' },
      { from: 'apps/routes.ts', line: 3, to: 'apps/b.ts' },
    ]);
  });

  it('no module in src/ imports a higher layer', () => {
    const byFile = srcImports();
    assert.ok(byFile.size > 50, `expected the src/ tree, found ${byFile.size} files`);
    const bad: string[] = [];
    for (const imports of byFile.values()) {
      for (const i of imports) {
        if (!byFile.has(i.to)) bad.push(show(i, 'no such file'));
        const why = violation(i.from, i.to);
        if (why) bad.push(show(i, why));
      }
    }
    assert.deepEqual(bad, [], `${bad.length} import(s) break the layering:\n${bad.join('\n')}`);
  });

  it('the agent reaches only lib, config and the wire protocol, also through what those import', () => {
    const byFile = srcImports();
    const bad: string[] = [];
    // Walk from every agent module; `via` is the chain that led to a module outside the agent.
    const seen = new Set<string>();
    const queue = [...byFile.keys()].filter((f) => folderOf(f) === AGENT).map((f) => ({ file: f, via: [] as string[] }));
    while (queue.length > 0) {
      const { file, via } = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const i of byFile.get(file) ?? []) {
        const outside = folderOf(i.to) !== AGENT;
        if (outside && !agentMayUse(i.to)) {
          const chain = [...via, `src/${i.from}:${i.line}`, `src/${i.to}`].join(' → ');
          bad.push(`${chain}: the agent may use only lib, config and the wire protocol (agent-link/protocol.ts, state-hash.ts)`);
          continue;
        }
        queue.push({ file: i.to, via: outside || via.length > 0 ? [...via, `src/${i.from}:${i.line}`] : [] });
      }
    }
    assert.ok(seen.has('agent-link/protocol.ts'), 'the walk reached the wire protocol');
    assert.deepEqual(bad, [], `${bad.length} import(s) pull hub code into the agent:\n${bad.join('\n')}`);
  });
});
