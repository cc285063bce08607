import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Menu,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef, RowSelectionState } from '@tanstack/react-table';
import { lazy, Suspense, useState } from 'react';
import { Link } from 'react-router';
import { api, call, fieldError, formError } from '../api';
import { Role, useMe } from '../me';
import { DataTable, ErrorState, ReadyBadge, poll, selectColumn, time, useParam, usePaging } from '../ui';

const ReadyDonut = lazy(() => import('../charts').then((m) => ({ default: m.ReadyDonut })));
const Bars = lazy(() => import('../charts').then((m) => ({ default: m.Bars })));

export interface ClusterRow {
  clusterName: string;
  nodeCount: number;
  isReady: boolean;
  paused: boolean;
  labels: string[];
  createTime: number;
  lastHeartbeat: number | null;
}

export function useClusterLabels() {
  return useQuery({
    queryKey: ['cluster-labels'],
    queryFn: async () => (await call(api.GET('/v1/cluster/label'))).data,
  });
}

/** A join command: shown once, with a copy button (the token is not kept by the console). */
export function JoinCommand({ join, onClose }: { join: { clusterName: string; command: string } | null; onClose: () => void }) {
  return (
    <Modal opened={!!join} onClose={onClose} title={`Agent command for ${join?.clusterName ?? ''}`} size="lg">
      <Stack>
        <Text size="sm">
          Run this in (or next to) the cluster. It contains the join token, shown only now: copy it before closing.
        </Text>
        <Code block data-testid="join-command" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
          {join?.command}
        </Code>
        <Group justify="flex-end">
          <CopyButton value={join?.command ?? ''}>
            {({ copied, copy }) => (
              <Button onClick={copy} color={copied ? 'teal' : undefined}>
                {copied ? 'Copied' : 'Copy command'}
              </Button>
            )}
          </CopyButton>
          <Button variant="default" onClick={onClose}>
            Done
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function RegisterCluster({ onJoin }: { onJoin: (j: { clusterName: string; command: string }) => void }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const qc = useQueryClient();
  const reg = useMutation({
    mutationFn: async () => (await call(api.POST('/v1/cluster', { body: { clusterName: name } }))).data,
    onSuccess: (d) => {
      setOpen(false);
      setName('');
      onJoin({ clusterName: d.clusterName, command: d.command });
      void qc.invalidateQueries({ queryKey: ['clusters'] });
    },
  });
  return (
    <>
      <Button onClick={() => setOpen(true)}>Register cluster</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Register a cluster">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            reg.mutate();
          }}
        >
          <Stack>
            {formError(reg.error, ['clusterName']) && (
              <Alert color="red" role="alert">
                {formError(reg.error, ['clusterName'])}
              </Alert>
            )}
            <TextInput
              label="Cluster name"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={fieldError(reg.error, 'clusterName')}
              data-autofocus
              required
            />
            <Button type="submit" loading={reg.isPending}>
              Register
            </Button>
          </Stack>
        </form>
      </Modal>
    </>
  );
}

function LabelSelected({ names, done }: { names: string[]; done: () => void }) {
  const [label, setLabel] = useState('');
  const qc = useQueryClient();
  const change = useMutation({
    mutationFn: async (how: 'add' | 'remove') => {
      const body = { clusterLabel: label, clusterName: names };
      return call(how === 'add' ? api.POST('/v1/cluster/label', { body }) : api.DELETE('/v1/cluster/label', { body }));
    },
    onSuccess: () => {
      setLabel('');
      done();
      void qc.invalidateQueries({ queryKey: ['clusters'] });
      void qc.invalidateQueries({ queryKey: ['cluster-labels'] });
    },
  });
  const other = formError(change.error, ['clusterLabel']);
  return (
    <Paper withBorder p="sm" aria-label="Label the selected clusters" component="section">
      <Group align="flex-end">
        <TextInput
          label={`Label for ${names.length} selected cluster(s)`}
          value={label}
          onChange={(e) => setLabel(e.currentTarget.value)}
          error={fieldError(change.error, 'clusterLabel')}
        />
        <Button disabled={!label} loading={change.isPending} onClick={() => change.mutate('add')}>
          Add label
        </Button>
        <Button disabled={!label} variant="default" loading={change.isPending} onClick={() => change.mutate('remove')}>
          Remove label
        </Button>
      </Group>
      {other && (
        <Text c="red.9" size="sm" role="alert">
          {other}
        </Text>
      )}
    </Paper>
  );
}

function RowActions({ row, onJoin }: { row: ClusterRow; onJoin: (j: { clusterName: string; command: string }) => void }) {
  const qc = useQueryClient();
  const [err, setErr] = useState<string | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: ['clusters'] });
  const act = useMutation({
    mutationFn: async (what: 'pause' | 'resume' | 'token' | 'delete') => {
      const path = { clusterName: row.clusterName };
      if (what === 'token') return (await call(api.POST('/v1/cluster/{clusterName}/token', { params: { path } }))).data;
      if (what === 'delete') return call(api.DELETE('/v1/cluster/{clusterName}', { params: { path } }));
      return call(api.PUT('/v1/cluster/{clusterName}/pause', { params: { path }, body: { paused: what === 'pause' } }));
    },
    onSuccess: (d, what) => {
      setErr(null);
      if (what === 'token') onJoin(d as { clusterName: string; command: string });
      refresh();
    },
    onError: (e) => setErr(e.message),
  });
  return (
    <Group gap={4} wrap="nowrap">
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <ActionIcon variant="subtle" aria-label={`Actions for ${row.clusterName}`} loading={act.isPending}>
            ⋯
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => act.mutate(row.paused ? 'resume' : 'pause')}>
            {row.paused ? 'Resume' : 'Pause (maintenance)'}
          </Menu.Item>
          <Menu.Item onClick={() => act.mutate('token')}>Rotate join token</Menu.Item>
          <Menu.Item
            color="red"
            onClick={() => {
              if (window.confirm(`Remove cluster ${row.clusterName}? Its agent is disconnected.`)) act.mutate('delete');
            }}
          >
            Remove cluster
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      {err && (
        <Text c="red.9" size="xs" role="alert">
          {err}
        </Text>
      )}
    </Group>
  );
}

export function ClustersPage() {
  const me = useMe();
  const isAdmin = me.role === Role.systemAdmin;
  const paging = usePaging(20);
  const [label, setLabel] = useParam('label', 'all');
  const [order, setOrder] = useParam('order', 'asc');
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [join, setJoin] = useState<{ clusterName: string; command: string } | null>(null);
  const labels = useClusterLabels();
  const query = useQuery({
    queryKey: ['clusters', paging.page, paging.pageSize, label, order],
    queryFn: async () => {
      const r = await call(
        api.GET('/v1/cluster', {
          params: {
            query: { page: paging.page, pageSize: paging.pageSize, order: order as 'asc' | 'desc', clusterLabel: label },
          },
        }),
      );
      return { rows: r.data, total: r.total };
    },
    placeholderData: keepPreviousData,
    refetchInterval: poll(3_000),
  });
  const rows = query.data?.rows ?? [];
  const readyHere = rows.filter((r) => r.isReady).length;
  const columns: ColumnDef<ClusterRow, any>[] = [
    ...(isAdmin ? [selectColumn<ClusterRow>()] : []),
    {
      id: 'clusterName',
      header: 'Cluster',
      accessorKey: 'clusterName',
      enableSorting: true,
      cell: (c) => (
        <Anchor component={Link} to={`/clusters/${encodeURIComponent(c.row.original.clusterName)}`}>
          {c.row.original.clusterName}
        </Anchor>
      ),
    },
    {
      id: 'ready',
      header: 'Status',
      enableSorting: false,
      cell: (c) => <ReadyBadge ready={c.row.original.isReady} paused={c.row.original.paused} />,
    },
    { id: 'nodes', header: 'Nodes', enableSorting: false, accessorKey: 'nodeCount' },
    {
      id: 'labels',
      header: 'Labels',
      enableSorting: false,
      cell: (c) => (
        <Group gap={4}>
          {c.row.original.labels.map((l) => (
            <Badge key={l} variant="outline" size="sm">
              {l}
            </Badge>
          ))}
        </Group>
      ),
    },
    { id: 'heartbeat', header: 'Last heartbeat', enableSorting: false, cell: (c) => time(c.row.original.lastHeartbeat) },
    ...(isAdmin
      ? [
          {
            id: 'actions',
            header: 'Actions',
            enableSorting: false,
            cell: (c: { row: { original: ClusterRow } }) => <RowActions row={c.row.original} onJoin={setJoin} />,
          },
        ]
      : []),
  ];
  const selected = Object.keys(selection).filter((k) => selection[k]);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Clusters</Title>
        {isAdmin && <RegisterCluster onJoin={setJoin} />}
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Paper withBorder p="sm">
          <Text size="sm" c="dimmed">
            Clusters {label === 'all' ? 'in the fleet' : `labelled ${label}`}
          </Text>
          <Text fz={28} fw={700} data-testid="cluster-total">
            {query.data?.total ?? '…'}
          </Text>
        </Paper>
        <Paper withBorder p="sm">
          <Text size="sm" c="dimmed">
            Online on this page
          </Text>
          <Text fz={28} fw={700} data-testid="online-count">
            {query.data ? `${readyHere} / ${rows.length}` : '…'}
          </Text>
        </Paper>
        <Paper withBorder p="sm">
          <Suspense fallback={null}>
            {query.data && rows.length > 0 && <ReadyDonut ready={readyHere} total={rows.length} label="Ready on this page" />}
          </Suspense>
        </Paper>
      </SimpleGrid>
      <Group align="flex-end">
        <Select
          label="Label filter"
          data={[{ value: 'all', label: 'all clusters' }, ...(labels.data ?? []).map((l) => ({ value: l, label: l }))]}
          value={label}
          onChange={(v) => setLabel(v ?? 'all')}
          searchable
          allowDeselect={false}
          w={220}
        />
      </Group>
      {labels.isError && <ErrorState error={labels.error} />}
      {isAdmin && selected.length > 0 && <LabelSelected names={selected} done={() => setSelection({})} />}
      <DataTable
        label="Clusters"
        columns={columns}
        query={query}
        paging={paging}
        rowId={(r) => r.clusterName}
        empty={isAdmin ? 'No clusters yet: register one to get its agent command.' : 'No clusters match.'}
        sorting={[{ id: 'clusterName', desc: order === 'desc' }]}
        onSorting={(s) => setOrder(s[0]?.desc ? 'desc' : 'asc')}
        selection={selection}
        onSelection={isAdmin ? setSelection : undefined}
      />
      {rows.length > 0 && (
        <Paper withBorder p="sm">
          <Title order={2} size="h4" mb="xs">
            Nodes per cluster (this page)
          </Title>
          <Suspense fallback={null}>
            <Bars
              label="Nodes per cluster on this page"
              data={rows.map((r) => ({ cluster: r.clusterName, nodes: r.nodeCount }))}
              dataKey="cluster"
              series={[{ name: 'nodes', color: 'indigo.6' }]}
              height={180}
            />
          </Suspense>
        </Paper>
      )}
      <JoinCommand join={join} onClose={() => setJoin(null)} />
    </Stack>
  );
}
