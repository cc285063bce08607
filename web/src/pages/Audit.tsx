import { Group, NumberInput, Stack, TextInput, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { api, call } from '../api';
import { DataTable, time, useParam, usePaging } from '../ui';

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
  const paging = usePaging(20);
  const [userId, setUserId] = useParam('userId');
  const [action, setAction] = useParam('action');
  const query = useQuery({
    queryKey: ['audit', paging.page, paging.pageSize, userId, action],
    queryFn: async () => {
      const r = await call(
        api.GET('/v1/admin/audit', {
          params: {
            query: {
              page: paging.page,
              pageSize: paging.pageSize,
              order: 'desc',
              ...(userId ? { userId: Number(userId) } : {}),
              ...(action ? { action } : {}),
            },
          },
        }),
      );
      return { rows: r.data, total: r.total };
    },
    placeholderData: keepPreviousData,
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
      <DataTable
        label="Audit log"
        columns={columns}
        query={query}
        paging={paging}
        rowId={(r) => String(r.id)}
        empty="Nothing recorded yet."
      />
    </Stack>
  );
}
