import { Alert, Badge, Stack, Title } from '@mantine/core';
import type { ColumnDef } from '@tanstack/react-table';
import { api, call } from '../api';
import { useMe } from '../me';
import { PagedTable, poll, time, usePagedQuery } from '../ui';

interface AlertRow {
  kind: string;
  name: string;
  clusterName: string | null;
  businessId: number | null;
  message: string;
  since: number;
}

export default function Alerts() {
  const me = useMe();
  const paged = usePagedQuery({
    key: ['alerts'],
    fetch: (page) => call(api.GET('/v1/alert', { params: { query: { ...page, order: 'asc' } } })),
    refetchInterval: poll(5_000),
  });
  const columns: ColumnDef<AlertRow, any>[] = [
    {
      header: 'Kind',
      cell: (c) => (
        <Badge variant="light" color={c.row.original.kind === 'external' ? 'grape' : 'red'}>
          {c.row.original.kind}
        </Badge>
      ),
    },
    { header: 'Name', accessorKey: 'name' },
    { header: 'Cluster', cell: (c) => c.row.original.clusterName ?? '—' },
    { header: 'Message', accessorKey: 'message' },
    { header: 'Since', cell: (c) => time(c.row.original.since) },
  ];
  return (
    <Stack>
      <Title order={1}>Alerts</Title>
      {!me.enableAlert && <Alert color="gray">Alerts are switched off in the platform settings.</Alert>}
      <PagedTable
        label="Alerts"
        columns={columns}
        paged={paged}
        rowId={(r) => `${r.kind}/${r.clusterName}/${r.name}`}
        empty="No alerts: every cluster, node and application is fine."
      />
    </Stack>
  );
}
