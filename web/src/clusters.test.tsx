import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MeProvider, Role } from './me';
import { ClustersPage } from './pages/Clusters';
import { session } from './session';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  session.end();
});

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

const HUB = 'http://127.0.0.1:8080';
const LOOPBACK_WARNING =
  `the command targets ${HUB}, a loopback address that only the hub's own machine can reach; ` +
  'set OTE_PUBLIC_URL to the address edge clusters reach the hub at, then rotate the token for a new command';

/** The join data a registration or rotation answers with (API.md §5), for a hub at `hub`. */
function joinAnswer(clusterName: string, loopback: boolean) {
  const hub = loopback ? HUB : 'https://hub.example.com';
  return {
    clusterName,
    token: 'a'.repeat(64),
    command: `OTE_AGENT_TOKEN=${'a'.repeat(64)} ote agent --hub ${hub}`,
    hubIsLoopback: loopback,
    ...(loopback ? { warning: LOOPBACK_WARNING } : {}),
  };
}

/**
 * The hub as the Clusters page of a system administrator sees it: one cluster, and `join`
 * answering both a registration and a token rotation. Returns the requests made.
 */
function fakeHub(join: (clusterName: string) => object): Request[] {
  const requests: Request[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
    const req = input as Request;
    requests.push(req.clone());
    const { pathname } = new URL(req.url);
    const route = `${req.method} ${pathname}`;
    if (route === 'GET /v1/authorization') {
      return json({
        code: 200,
        message: 'success',
        data: {
          userId: 1,
          businessId: null,
          displayName: 'admin',
          hasRepoAccount: false,
          role: Role.systemAdmin,
          privateProject: true,
          enableIngress: false,
          enableAlert: true,
          enableAdminAutoDeploy: false,
        },
      });
    }
    if (route === 'GET /v1/cluster/label') return json({ code: 200, message: 'success', data: [] });
    if (route === 'GET /v1/cluster') {
      const row = {
        clusterName: 'edge-0',
        nodeCount: 1,
        isReady: true,
        paused: false,
        labels: [],
        createTime: 1_700_000_000,
        lastHeartbeat: 1_700_000_100,
      };
      return json({ code: 200, message: 'success', data: [row], total: 1 });
    }
    if (route === 'POST /v1/cluster') {
      const body = (await req.json()) as { clusterName: string };
      return json({ code: 200, message: 'success', data: join(body.clusterName) });
    }
    if (route === 'POST /v1/cluster/edge-0/token') return json({ code: 200, message: 'success', data: join('edge-0') });
    return new Response(JSON.stringify({ code: 404, message: `no fake for ${route}` }), {
      status: 404,
      headers: { 'content-type': 'application/json' },
    });
  });
  return requests;
}

// The page loads lazily (charts) and the test machine is shared: allow more than findBy's 1 s.
const slow = { timeout: 15_000 };

function renderClusters() {
  session.start('tok');
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider env="test">
      <QueryClientProvider client={qc}>
        <MemoryRouter>
          <MeProvider fallback={() => null}>
            <ClustersPage />
          </MeProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

async function register(name: string): Promise<HTMLElement> {
  fireEvent.click(await screen.findByRole('button', { name: 'Register cluster' }, slow));
  const form = await screen.findByRole('form', { name: 'Register a cluster' }, slow);
  fireEvent.change(within(form).getByRole('textbox', { name: /cluster name/i }), { target: { value: name } });
  fireEvent.click(within(form).getByRole('button', { name: 'Register' }));
  return screen.findByRole('dialog', { name: `Agent command for ${name}` }, slow);
}

// A whole page in jsdom takes seconds on a loaded machine.
describe('the join command dialog', { timeout: 60_000 }, () => {
  it("shows the hub's loopback warning next to the command of a registration", async () => {
    const requests = fakeHub((name) => joinAnswer(name, true));
    renderClusters();
    const dialog = await register('edge-1');
    expect(within(dialog).getByTestId('join-command').textContent).toBe(joinAnswer('edge-1', true).command);
    const warning = within(dialog).getByTestId('join-warning');
    expect(warning.textContent).toContain(LOOPBACK_WARNING);
    expect(warning.textContent).toContain('loopback address');
    const post = requests.find((r) => r.method === 'POST' && new URL(r.url).pathname === '/v1/cluster')!;
    expect(await post.json()).toEqual({ clusterName: 'edge-1' });
  });

  it('shows no warning when the command names a reachable hub', async () => {
    fakeHub((name) => joinAnswer(name, false));
    renderClusters();
    const dialog = await register('edge-2');
    expect(within(dialog).getByTestId('join-command').textContent).toBe(joinAnswer('edge-2', false).command);
    expect(within(dialog).queryByTestId('join-warning')).toBeNull();
    expect(within(dialog).queryByText(/loopback/)).toBeNull();
  });

  it("shows the warning with a rotated token's command too", async () => {
    fakeHub((name) => joinAnswer(name, true));
    renderClusters();
    fireEvent.click(await screen.findByRole('button', { name: 'Actions for edge-0' }, slow));
    fireEvent.click(await screen.findByRole('menuitem', { name: 'Rotate join token' }, slow));
    const dialog = await screen.findByRole('dialog', { name: 'Agent command for edge-0' }, slow);
    await waitFor(() => expect(within(dialog).getByTestId('join-warning').textContent).toContain(LOOPBACK_WARNING));
  });
});
