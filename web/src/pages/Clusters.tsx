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
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef, RowSelectionState } from '@tanstack/react-table';
import { lazy, Suspense, useState } from 'react';
import { Link } from 'react-router';
import { api, call } from '../api';
import { ModalForm, useApiForm } from '../form';
import { LabelEditor } from '../labels';
import { Role, useMe } from '../me';
import { ErrorState, PagedTable, ReadyBadge, poll, selectColumn, time, useParam, usePagedQuery } from '../ui';

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

/**
 * What the console keeps of a registration or token rotation: the command, and the hub's
 * warning when the command names a loopback hub (API.md §5: `hubIsLoopback`, `warning`).
 */
export interface Join {
  clusterName: string;
  command: string;
  warning?: string;
}

const joinOf = (d: Join): Join => ({ clusterName: d.clusterName, command: d.command, warning: d.warning });

/** A join command: shown once, with a copy button (the token is not kept by the console). */
export function JoinCommand({ join, onClose }: { join: Join | null; onClose: () => void }) {
  return (
    <Modal opened={!!join} onClose={onClose} title={`Agent command for ${join?.clusterName ?? ''}`} size="lg">
      <Stack>
        <Text size="sm">
          Run this in (or next to) the cluster. It contains the join token, shown only now: copy it before closing.
        </Text>
        <Code block data-testid="join-command" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
          {join?.command}
        </Code>
        {join?.warning && (
          <Alert color="yellow" title="The hub address is a loopback address" data-testid="join-warning">
            {join.warning}
          </Alert>
        )}
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

function RegisterCluster({ onJoin }: { onJoin: (j: Join) => void }) {
  const qc = useQueryClient();
  const f = useApiForm({
    initialValues: { clusterName: '' },
    submit: async (body) => (await call(api.POST('/v1/cluster', { body }))).data,
    onSuccess: (d) => {
      onJoin(joinOf(d));
      void qc.invalidateQueries({ queryKey: ['clusters'] });
    },
    resetOnSuccess: true,
  });
  return (
    <ModalForm f={f} button="Register cluster" title="Register a cluster" submit="Register">
      <TextInput label="Cluster name" {...f.form.getInputProps('clusterName')} data-autofocus required />
    </ModalForm>
  );
}

function RowActions({ row, onJoin }: { row: ClusterRow; onJoin: (j: Join) => void }) {
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
      if (what === 'token') onJoin(joinOf(d as Join));
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
  const qc = useQueryClient();
  const [label, setLabel] = useParam('label', 'all');
  const [order, setOrder] = useParam('order', 'asc');
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [join, setJoin] = useState<Join | null>(null);
  const labels = useClusterLabels();
  const paged = usePagedQuery({
    key: ['clusters', label, order],
    fetch: (page) =>
      call(api.GET('/v1/cluster', { params: { query: { ...page, order: order as 'asc' | 'desc', clusterLabel: label } } })),
    refetchInterval: poll(3_000),
  });
  const query = paged.query;
  const rows = query.data?.data ?? [];
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
      {isAdmin && selected.length > 0 && (
        <LabelEditor
          label={`Label for ${selected.length} selected cluster(s)`}
          field="clusterLabel"
          apply={(clusterLabel, how) => {
            const body = { clusterLabel, clusterName: selected };
            return call(how === 'add' ? api.POST('/v1/cluster/label', { body }) : api.DELETE('/v1/cluster/label', { body }));
          }}
          done={() => {
            setSelection({});
            void qc.invalidateQueries({ queryKey: ['clusters'] });
            void qc.invalidateQueries({ queryKey: ['cluster-labels'] });
          }}
        />
      )}
      <PagedTable
        label="Clusters"
        columns={columns}
        paged={paged}
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
