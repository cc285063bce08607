import { MantineProvider } from '@mantine/core';
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterPreview, type PreviewCluster } from './preview';
import { bodyRows } from './test-utils';

afterEach(cleanup);

// Shaped as the hub answers GET /v1/app/{id}/preview (API.md §8.1) for revision 2 (tag v1 → v2, placement widened).
const deployment = (tag: string, revision: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'vision', namespace: 'ns1', labels: { 'app.ote-stack.io/revision': revision } },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'vision', image: `registry.test/proj/vision:${tag}` }] } } },
});
const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'vision', namespace: 'ns1' },
  spec: { type: 'ClusterIP' },
};
const update = [
  { kind: 'Deployment', name: 'vision', path: '/metadata/labels/app.ote-stack.io~1revision', from: '1', to: '2' },
  {
    kind: 'Deployment',
    name: 'vision',
    path: '/spec/template/spec/containers/0/image',
    from: 'registry.test/proj/vision:v1',
    to: 'registry.test/proj/vision:v2',
  },
];
const clusters: PreviewCluster[] = [
  {
    clusterName: 'east',
    isReady: true,
    paused: false,
    objects: [deployment('v2', '2'), service],
    change: 'update',
    currentRevision: 1,
    diff: update,
  },
  {
    clusterName: 'north',
    isReady: false,
    paused: false,
    objects: [deployment('v2', '2'), service],
    change: 'add',
    currentRevision: null,
    diff: [
      { kind: 'Deployment', name: 'vision', path: '', from: null, to: deployment('v2', '2') },
      { kind: 'Service', name: 'vision', path: '', from: null, to: service },
    ],
  },
  {
    clusterName: 'west',
    isReady: true,
    paused: true,
    objects: [deployment('v2', '2'), service],
    change: 'update',
    currentRevision: 1,
    diff: update,
  },
];

const view = (ui: React.ReactNode) => render(<MantineProvider>{ui}</MantineProvider>);

describe('ClusterPreview', () => {
  it('a revision: clusters with the same change together, field diffs as now → after, added objects by name', () => {
    view(<ClusterPreview clusters={clusters} label="What revision 2 would change" />);
    const sections = screen.getAllByRole('region').filter((s) => s.dataset.clusters);
    expect(sections.map((s) => [s.dataset.clusters, s.dataset.change])).toEqual([
      ['east west', 'update'],
      ['north', 'add'],
    ]);
    const [updated, added] = sections;
    expect(within(updated).getByText('would change')).toBeTruthy();
    expect(within(updated).getByText('paused')).toBeTruthy();
    const rows = bodyRows(updated);
    expect(rows).toContainEqual([
      'Deployment vision',
      '/spec/template/spec/containers/0/image',
      '"registry.test/proj/vision:v1"',
      '"registry.test/proj/vision:v2"',
    ]);
    expect(within(added).getByText('would be added')).toBeTruthy();
    expect(within(added).getByText('not ready')).toBeTruthy();
    expect(within(added).queryByRole('table')).toBeNull();
    expect(added.querySelectorAll('[data-object]').length).toBe(2);
    expect(within(added).getByText('Service vision')).toBeTruthy();
    expect(screen.getByText(/3 cluster\(s\) in 2 group\(s\)/)).toBeTruthy();
  });

  it('a new spec: the objects each cluster would get', () => {
    const fresh = clusters.map(({ change: _c, diff: _d, currentRevision: _r, ...c }) => c);
    view(<ClusterPreview clusters={fresh} label="Objects per cluster" />);
    const [only] = screen.getAllByRole('region').filter((s) => s.dataset.clusters);
    expect(only.dataset.clusters).toBe('east north west');
    expect(only.dataset.change).toBe('new');
    expect(within(only).getByText(/2 object\(s\) would be applied: Deployment vision, Service vision/)).toBeTruthy();
  });

  it('no cluster: says nothing would run', () => {
    view(<ClusterPreview clusters={[]} label="x" />);
    expect(screen.getByTestId('cluster-preview').textContent).toMatch(/nothing would run/);
  });
});
