import { Badge, Button, Group, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef, RowSelectionState } from '@tanstack/react-table';
import { useEffect, useState } from 'react';
import { api, call, fieldError, formError } from '../api';
import { Role, useMe } from '../me';
import { DataTable, ReadyBadge, bytes, poll, selectColumn, useParam, usePaging } from '../ui';

export interface NodeRow {
  nodeName: string;
  clusterName: string;
  operatingSystem: string;
  kernelVersion: string;
  ip: string;
  memory: number;
  cpu: number;
  gpu: number;
  disk: number;
  isReady: boolean;
  labels: string[];
}

function NodeLabels({ cluster, names, done }: { cluster: string; names: string[]; done: () => void }) {
  const [label, setLabel] = useState('');
  const qc = useQueryClient();
  const change = useMutation({
    mutationFn: async (how: 'add' | 'remove') => {
      const body = { nodeLabel: label, clusterName: cluster, nodeName: names };
      return call(
        how === 'add'
          ? api.POST('/v1/node/label', { body })
          : api.DELETE('/v1/node/label', { body: { ...body, deleteDeploy: false } }),
      );
    },
    onSuccess: () => {
      setLabel('');
      done();
      void qc.invalidateQueries({ queryKey: ['nodes'] });
    },
  });
  const other = formError(change.error, ['nodeLabel']);
  return (
    <Paper withBorder p="sm" component="section" aria-label="Label the selected nodes">
      <Group align="flex-end">
        <TextInput
          label={`Label for ${names.length} selected node(s) of ${cluster}`}
          value={label}
          onChange={(e) => setLabel(e.currentTarget.value)}
          error={fieldError(change.error, 'nodeLabel')}
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

/** Nodes, paged and filtered by the server (100,000 nodes cost one page). */
export function NodesTable({ fixedCluster }: { fixedCluster?: string }) {
  const me = useMe();
  const isAdmin = me.role === Role.systemAdmin;
  const paging = usePaging(20);
  const [clusterParam, setCluster] = useParam('cluster');
  const cluster = fixedCluster ?? clusterParam;
  const [nameParam, setName] = useParam('node');
  const [nameInput, setNameInput] = useState(nameParam);
  const [debounced] = useDebouncedValue(nameInput, 300);
  useEffect(() => {
    if (debounced !== nameParam) setName(debounced);
  }, [debounced]);
  const [label, setLabel] = useParam('nodeLabel');
  const [selection, setSelection] = useState<RowSelectionState>({});
  const nodeLabels = useQuery({
    queryKey: ['node-labels', cluster],
    queryFn: async () =>
      (await call(api.GET('/v1/node/label', { params: { query: cluster ? { clusterName: cluster } : {} } }))).data,
  });
  const query = useQuery({
    queryKey: ['nodes', paging.page, paging.pageSize, cluster, nameParam, label],
    queryFn: async () => {
      const r = await call(
        api.GET('/v1/node', {
          params: {
            query: {
              page: paging.page,
              pageSize: paging.pageSize,
              order: 'asc',
              ...(cluster ? { clusterName: cluster } : {}),
              ...(nameParam ? { nodeName: nameParam } : {}),
              ...(label ? { nodeLabel: label } : {}),
            },
          },
        }),
      );
      return {
        rows: r.data as NodeRow[],
        total: r.total,
        ready: (r as { meta?: { readyNodeCount: number } }).meta?.readyNodeCount ?? 0,
      };
    },
    placeholderData: keepPreviousData,
    refetchInterval: poll(5_000),
  });
  const canLabel = isAdmin && !!cluster;
  const columns: ColumnDef<NodeRow, any>[] = [
    ...(canLabel ? [selectColumn<NodeRow>()] : []),
    { header: 'Node', accessorKey: 'nodeName' },
    ...(fixedCluster ? [] : [{ header: 'Cluster', accessorKey: 'clusterName' }]),
    { header: 'Status', cell: (c) => <ReadyBadge ready={c.row.original.isReady} /> },
    { header: 'OS', accessorKey: 'operatingSystem' },
    { header: 'Kernel', accessorKey: 'kernelVersion' },
    { header: 'IP', accessorKey: 'ip' },
    { header: 'CPU', cell: (c) => `${c.row.original.cpu}` },
    { header: 'Memory', cell: (c) => bytes(c.row.original.memory) },
    { header: 'GPU memory', cell: (c) => bytes(c.row.original.gpu) },
    { header: 'Disk', cell: (c) => bytes(c.row.original.disk) },
    {
      header: 'Labels',
      cell: (c) => (
        <Group gap={4}>
          {c.row.original.labels.map((l) => (
            <Badge key={l} size="sm" variant="outline">
              {l}
            </Badge>
          ))}
        </Group>
      ),
    },
  ];
  const selected = Object.keys(selection).filter((k) => selection[k]);
  return (
    <Stack>
      <Group align="flex-end">
        {!fixedCluster && (
          <TextInput
            label="Cluster"
            placeholder="exact name"
            value={clusterParam}
            onChange={(e) => setCluster(e.currentTarget.value)}
            w={180}
          />
        )}
        <TextInput label="Node name contains" value={nameInput} onChange={(e) => setNameInput(e.currentTarget.value)} w={180} />
        <Select
          label="Node label"
          data={nodeLabels.data ?? []}
          value={label || null}
          onChange={(v) => setLabel(v)}
          clearable
          searchable
          w={180}
        />
        <Text size="sm" aria-live="polite" data-testid="ready-nodes">
          {query.data ? `${query.data.ready} of ${query.data.total} ready` : ''}
        </Text>
      </Group>
      {isAdmin && !cluster && (
        <Text size="sm" c="dimmed">
          Filter by one cluster to label its nodes.
        </Text>
      )}
      {canLabel && selected.length > 0 && <NodeLabels cluster={cluster} names={selected} done={() => setSelection({})} />}
      <DataTable
        label="Nodes"
        columns={columns}
        query={query}
        paging={paging}
        rowId={(r) => r.nodeName}
        empty="No nodes match: an agent reports its cluster's nodes once it connects."
        selection={selection}
        onSelection={canLabel ? setSelection : undefined}
      />
    </Stack>
  );
}

export default function Nodes() {
  return (
    <Stack>
      <Title order={1}>Nodes</Title>
      <NodesTable />
    </Stack>
  );
}
