import { MantineProvider } from '@mantine/core';
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { diffSpecs } from './diff';
import { RevisionDiff } from './preview';
import { bodyRows } from './test-utils';

afterEach(cleanup);

describe('diffSpecs', () => {
  it('lists changed leaves as JSON pointers', () => {
    expect(diffSpecs({ tag: 'v1', env: { A: '1' }, ports: [] }, { tag: 'v2', env: { A: '1', B: '2' }, ports: [] })).toEqual([
      { path: '/env/B', from: undefined, to: '2' },
      { path: '/tag', from: 'v1', to: 'v2' },
    ]);
  });

  it('against nothing (a new application): every leaf is new, and no row for the root', () => {
    const spec = { appName: 'vision', image: 'p/vision', tag: 'v1', env: {}, ports: [{ containerPort: 80 }] };
    const changes = diffSpecs({}, spec);
    expect(changes.map((c) => c.path)).toEqual(['/appName', '/env', '/image', '/ports/0/containerPort', '/tag']);
    for (const c of changes) expect(c.from, c.path).toBeUndefined();
    expect(diffSpecs(undefined, spec)).toEqual(changes);
    // And the other way round: everything removed, nothing left.
    expect(diffSpecs(spec, {}).every((c) => c.to === undefined && c.path !== '/')).toBe(true);
  });

  it('an empty object or array that gets filled, or emptied, shows its leaves only', () => {
    expect(diffSpecs({ env: {} }, { env: { A: '1' } })).toEqual([{ path: '/env/A', from: undefined, to: '1' }]);
    expect(diffSpecs({ args: ['-v'] }, { args: [] })).toEqual([{ path: '/args/0', from: '-v', to: undefined }]);
    // A leaf that becomes an object is still a change of that leaf.
    expect(diffSpecs({ ingress: 'none' }, { ingress: { host: 'a' } })).toEqual([
      { path: '/ingress', from: 'none', to: undefined },
      { path: '/ingress/host', from: undefined, to: 'a' },
    ]);
  });
});

describe('RevisionDiff', () => {
  it('shows a new application under its revision, and nothing under "nothing"', () => {
    render(
      <MantineProvider>
        <RevisionDiff from={{}} to={{ image: 'p/vision', tag: 'v1' }} fromLabel="nothing" toLabel="revision 1" />
      </MantineProvider>,
    );
    const table = screen.getByRole('table', { name: 'Changes from nothing to revision 1' });
    const header = within(table)
      .getAllByRole('columnheader')
      .map((h) => h.textContent);
    expect(header).toEqual(['Field', 'nothing', 'revision 1']);
    const rows = bodyRows(table);
    expect(rows).toEqual([
      ['/image', '—', '"p/vision"'],
      ['/tag', '—', '"v1"'],
    ]);
  });
});
