import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffObjects } from '../../src/apps/diff.js';

const deployment = (image: string, env: { name: string; value: string }[], labels: Record<string, string> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns1', labels: { 'app.ote-stack.io/revision': '1', ...labels } },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'web', image, env }] } } },
});

describe('preview diff (API.md §8.1)', () => {
  it('is empty for equal objects', () => {
    const d = deployment('a:1', [{ name: 'A', value: '1' }]);
    assert.deepEqual(diffObjects([d], [structuredClone(d)]), []);
  });

  it('names a changed image and an added variable by JSON pointer, matching named lists by name', () => {
    const before = deployment('a:1', [{ name: 'B', value: '2' }]);
    const after = deployment('a:2', [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
    assert.deepEqual(diffObjects([before], [after]), [
      {
        kind: 'Deployment',
        name: 'web',
        path: '/spec/template/spec/containers/0/env/0',
        from: null,
        to: { name: 'A', value: '1' },
      },
      { kind: 'Deployment', name: 'web', path: '/spec/template/spec/containers/0/image', from: 'a:1', to: 'a:2' },
    ]);
  });

  it('escapes "/" and "~" in keys, and reports whole objects added and removed', () => {
    const before = deployment('a:1', []);
    const after = deployment('a:1', [], { 'app.ote-stack.io/revision': '2' });
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns1' }, spec: {} };
    const d = diffObjects([before, svc], [after]);
    assert.deepEqual(d, [
      { kind: 'Deployment', name: 'web', path: '/metadata/labels/app.ote-stack.io~1revision', from: '1', to: '2' },
      { kind: 'Service', name: 'web', path: '', from: svc, to: null },
    ]);
    assert.deepEqual(diffObjects([], [svc]), [{ kind: 'Service', name: 'web', path: '', from: null, to: svc }]);
  });
});
