import { Anchor, Stack, Tabs, Title } from '@mantine/core';
import type { ColumnDef } from '@tanstack/react-table';
import { Link, useNavigate, useParams } from 'react-router';
import { api, call } from '../api';
import { PagedTable, StateBadge, poll, time, usePagedQuery } from '../ui';
import type { AppRow } from './Apps';
import { BusinessesTable } from './Businesses';
import { UsersTable } from './Users';

function PendingApps() {
  const paged = usePagedQuery({
    key: ['apps', 'pending'],
    fetch: (page) => call(api.GET('/v1/app', { params: { query: { ...page, order: 'asc', orderBy: 'id', status: 'pending' } } })),
    refetchInterval: poll(5_000),
  });
  const columns: ColumnDef<AppRow, any>[] = [
    {
      header: 'Application',
      cell: (c) => (
        <Anchor component={Link} to={`/reviews/apps/${c.row.original.id}`}>
          {c.row.original.appName}
        </Anchor>
      ),
    },
    { header: 'Business', accessorKey: 'businessId' },
    { header: 'Revision', accessorKey: 'revision' },
    { header: 'Image', cell: (c) => `${c.row.original.image}:${c.row.original.tag}` },
    { header: 'Placement', cell: (c) => c.row.original.clusterLabel },
    { header: 'Status', cell: (c) => <StateBadge state={c.row.original.status} /> },
    { header: 'Submitted', cell: (c) => time(c.row.original.updateTime) },
  ];
  return (
    <PagedTable
      label="Application revisions waiting for review"
      columns={columns}
      paged={paged}
      rowId={(r) => String(r.id)}
      empty="No revision waits for review."
    />
  );
}

/** The system admin's review queues: registrations, businesses, application revisions. */
export default function Reviews() {
  const tab = useParams().tab ?? 'users';
  const navigate = useNavigate();
  return (
    <Stack>
      <Title order={1}>Reviews</Title>
      <Tabs value={tab} onChange={(t) => void navigate(`/reviews/${t}`)} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="users">Registrations</Tabs.Tab>
          <Tabs.Tab value="businesses">Businesses</Tabs.Tab>
          <Tabs.Tab value="apps">Application revisions</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="users" pt="md">
          <UsersTable statusFilter={0} reviewMode />
        </Tabs.Panel>
        <Tabs.Panel value="businesses" pt="md">
          <BusinessesTable reviewMode />
        </Tabs.Panel>
        <Tabs.Panel value="apps" pt="md">
          <PendingApps />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
