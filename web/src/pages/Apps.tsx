import { Anchor, Button, Group, Progress, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import type { ColumnDef } from '@tanstack/react-table';
import { Link } from 'react-router';
import { api, call } from '../api';
import { Role, useMe } from '../me';
import { PagedTable, StateBadge, poll, time, useParam, usePagedQuery } from '../ui';

export interface AppRow {
  id: number;
  appName: string;
  businessId: number;
  image: string;
  tag: string;
  replicas: number;
  clusterLabel: string;
  nodeLabel: string | null;
  status: string;
  revision: number;
  runningRevision: number | null;
  readyClusters: number;
  targetClusters: number;
  message: string;
  createTime: number;
  updateTime: number;
}

export function ClusterProgress({ ready, target }: { ready: number; target: number }) {
  const pct = target === 0 ? 0 : Math.round((ready / target) * 100);
  return (
    <Group gap="xs" wrap="nowrap" miw={140}>
      <Progress
        value={pct}
        w={80}
        color={ready === target && target > 0 ? 'teal' : 'blue'}
        aria-label={`${ready} of ${target} clusters available`}
      />
      <Text size="xs">
        {ready}/{target}
      </Text>
    </Group>
  );
}

export default function Apps() {
  const me = useMe();
  const [name, setName] = useParam('appName');
  const [status, setStatus] = useParam('status');
  const [sort, setSort] = useParam('sort', 'id:desc');
  const [orderBy, order] = sort.split(':') as ['id' | 'appName', 'asc' | 'desc'];
  const paged = usePagedQuery({
    key: ['apps', name, status, sort],
    fetch: (page) =>
      call(
        api.GET('/v1/app', {
          params: {
            query: {
              ...page,
              order,
              orderBy,
              ...(name ? { appName: name } : {}),
              ...(status ? { status: status as 'pending' } : {}),
            },
          },
        }),
      ),
    refetchInterval: poll(3_000),
  });
  const columns: ColumnDef<AppRow, any>[] = [
    {
      id: 'appName',
      header: 'Application',
      cell: (c) => (
        <Anchor component={Link} to={`/apps/${c.row.original.id}`}>
          {c.row.original.appName}
        </Anchor>
      ),
    },
    ...(me.role === Role.systemAdmin
      ? [{ id: 'business', header: 'Business', enableSorting: false, accessorKey: 'businessId' }]
      : []),
    { id: 'image', header: 'Image', enableSorting: false, cell: (c) => `${c.row.original.image}:${c.row.original.tag}` },
    { id: 'replicas', header: 'Replicas', enableSorting: false, accessorKey: 'replicas' },
    {
      id: 'placement',
      header: 'Placement',
      enableSorting: false,
      cell: (c) => c.row.original.clusterLabel + (c.row.original.nodeLabel ? ` / ${c.row.original.nodeLabel}` : ''),
    },
    {
      id: 'status',
      header: 'Revision',
      enableSorting: false,
      cell: (c) => (
        <Group gap={4} wrap="nowrap">
          <Text size="sm">{c.row.original.revision}</Text>
          <StateBadge state={c.row.original.status} />
        </Group>
      ),
    },
    {
      id: 'available',
      header: 'Available clusters',
      enableSorting: false,
      cell: (c) => <ClusterProgress ready={c.row.original.readyClusters} target={c.row.original.targetClusters} />,
    },
    { id: 'updated', header: 'Updated', enableSorting: false, cell: (c) => time(c.row.original.updateTime) },
  ];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Applications</Title>
        {me.role >= Role.member && (
          <Button component={Link} to="/apps/new">
            New application
          </Button>
        )}
      </Group>
      <Group align="flex-end">
        <TextInput label="Name contains" value={name} onChange={(e) => setName(e.currentTarget.value)} w={200} />
        <Select
          label="Status"
          data={['pending', 'approved', 'rejected', 'failed']}
          value={status || null}
          onChange={setStatus}
          clearable
          w={160}
        />
      </Group>
      <PagedTable
        label="Applications"
        columns={columns}
        paged={paged}
        rowId={(r) => String(r.id)}
        empty="No applications yet."
        sorting={[{ id: orderBy, desc: order === 'desc' }]}
        onSorting={(s) => setSort(`${s[0]?.id === 'appName' ? 'appName' : 'id'}:${s[0]?.desc ? 'desc' : 'asc'}`)}
      />
    </Stack>
  );
}
