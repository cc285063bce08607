import { Group, NumberInput, Stack, TextInput, Title } from '@mantine/core';
import type { ColumnDef } from '@tanstack/react-table';
import { api, call } from '../api';
import { PagedTable, time, useParam, usePagedQuery } from '../ui';

interface AuditRow {
  id: number;
  userId: number | null;
  user: string | null;
  action: string;
  target: string;
  result: number;
  clientIp: string;
  createTime: number;
}

export default function Audit() {
  const [userId, setUserId] = useParam('userId');
  const [action, setAction] = useParam('action');
  const paged = usePagedQuery({
    key: ['audit', userId, action],
    fetch: (page) =>
      call(
        api.GET('/v1/admin/audit', {
          params: {
            query: { ...page, order: 'desc', ...(userId ? { userId: Number(userId) } : {}), ...(action ? { action } : {}) },
          },
        }),
      ),
  });
  const columns: ColumnDef<AuditRow, any>[] = [
    { header: 'Time', cell: (c) => time(c.row.original.createTime) },
    { header: 'User', cell: (c) => c.row.original.user ?? '—' },
    { header: 'Action', accessorKey: 'action' },
    { header: 'Target', accessorKey: 'target' },
    { header: 'Result', accessorKey: 'result' },
    { header: 'Client', accessorKey: 'clientIp' },
  ];
  return (
    <Stack>
      <Title order={1}>Audit log</Title>
      <Group>
        <NumberInput label="User id" value={userId} onChange={(v) => setUserId(v === '' ? null : String(v))} min={1} w={140} />
        <TextInput
          label="Action"
          placeholder="PUT /v1/business/id/:id"
          value={action}
          onChange={(e) => setAction(e.currentTarget.value)}
          w={260}
        />
      </Group>
      <PagedTable label="Audit log" columns={columns} paged={paged} rowId={(r) => String(r.id)} empty="Nothing recorded yet." />
    </Stack>
  );
}
