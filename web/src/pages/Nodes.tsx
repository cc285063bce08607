import { Badge, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef, RowSelectionState } from '@tanstack/react-table';
import { useEffect, useState } from 'react';
import { api, call } from '../api';
import { LabelEditor } from '../labels';
import { Role, useMe } from '../me';
import { PagedTable, ReadyBadge, bytes, poll, selectColumn, useParam, usePagedQuery } from '../ui';

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

/** Nodes, paged and filtered by the server (100,000 nodes cost one page). */
export function NodesTable({ fixedCluster }: { fixedCluster?: string }) {
  const me = useMe();
  const isAdmin = me.role === Role.systemAdmin;
  const qc = useQueryClient();
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
  const paged = usePagedQuery({
    key: ['nodes', cluster, nameParam, label],
    // Without `field` every row has every column (the projection makes them optional in the document).
    fetch: async (page) => {
      const r = await call(
        api.GET('/v1/node', {
          params: {
            query: {
              ...page,
              order: 'asc',
              ...(cluster ? { clusterName: cluster } : {}),
              ...(nameParam ? { nodeName: nameParam } : {}),
              ...(label ? { nodeLabel: label } : {}),
            },
          },
        }),
      );
      return { ...r, data: r.data as NodeRow[] };
    },
    refetchInterval: poll(5_000),
  });
  const query = paged.query;
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
          {query.data ? `${query.data.meta?.readyNodeCount ?? 0} of ${query.data.total} ready` : ''}
        </Text>
      </Group>
      {isAdmin && !cluster && (
        <Text size="sm" c="dimmed">
          Filter by one cluster to label its nodes.
        </Text>
      )}
      {canLabel && selected.length > 0 && (
        <LabelEditor
          label={`Label for ${selected.length} selected node(s) of ${cluster}`}
          field="nodeLabel"
          apply={(nodeLabel, how) => {
            const body = { nodeLabel, clusterName: cluster, nodeName: selected };
            return call(
              how === 'add'
                ? api.POST('/v1/node/label', { body })
                : api.DELETE('/v1/node/label', { body: { ...body, deleteDeploy: false } }),
            );
          }}
          done={() => {
            setSelection({});
            void qc.invalidateQueries({ queryKey: ['nodes'] });
          }}
        />
      )}
      <PagedTable
        label="Nodes"
        columns={columns}
        paged={paged}
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
