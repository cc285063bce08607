import { Alert, Button, Group, Modal, NumberInput, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { api, call, fieldError, formError } from '../api';
import { Role, useMe } from '../me';
import { DataTable, time, usePaging } from '../ui';

interface ThirdRow {
  id: number;
  repositoryId: string;
  address: string;
  user: string;
  createTime: number;
}

function AddExternal() {
  const me = useMe();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const empty = { repositoryId: '', address: '', user: '', password: '', businessId: '' as string | number };
  const [form, setForm] = useState(empty);
  const add = useMutation({
    mutationFn: async () => {
      const { businessId, ...rest } = form;
      return call(
        api.POST('/v1/repository/third', {
          body: (me.role === Role.systemAdmin ? { ...rest, businessId: Number(businessId) } : rest) as never,
        }),
      );
    },
    onSuccess: () => {
      setOpen(false);
      setForm(empty);
      void qc.invalidateQueries({ queryKey: ['third'] });
    },
  });
  const set = (k: 'repositoryId' | 'address' | 'user' | 'password') => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [k]: e.currentTarget.value });
  const err = formError(add.error, ['repositoryId', 'address', 'user', 'password', 'businessId']);
  return (
    <>
      <Button onClick={() => setOpen(true)}>Add external registry</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Add an external registry">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate();
          }}
        >
          <Stack>
            {err && (
              <Alert color="red" role="alert">
                {err}
              </Alert>
            )}
            <TextInput
              label="Id (pull secret name)"
              value={form.repositoryId}
              onChange={set('repositoryId')}
              error={fieldError(add.error, 'repositoryId')}
              required
            />
            <TextInput
              label="Address (host[:port])"
              value={form.address}
              onChange={set('address')}
              error={fieldError(add.error, 'address')}
              required
            />
            <TextInput label="User" value={form.user} onChange={set('user')} error={fieldError(add.error, 'user')} required />
            <PasswordInput
              label="Password"
              autoComplete="off"
              value={form.password}
              onChange={set('password')}
              error={fieldError(add.error, 'password')}
              required
            />
            {me.role === Role.systemAdmin && (
              <NumberInput
                label="Business id"
                value={form.businessId}
                onChange={(v) => setForm({ ...form, businessId: v })}
                error={fieldError(add.error, 'businessId')}
                min={1}
                required
              />
            )}
            <Button type="submit" loading={add.isPending}>
              Add
            </Button>
          </Stack>
        </form>
      </Modal>
    </>
  );
}

/** External registries: credentials are write-only (the password is never shown). */
export default function External() {
  const me = useMe();
  const canManage = me.role >= Role.businessAdmin;
  const qc = useQueryClient();
  const paging = usePaging(20);
  const query = useQuery({
    queryKey: ['third', paging.page, paging.pageSize],
    queryFn: async () => {
      const r = await call(
        api.GET('/v1/repository/third', {
          params: { query: { page: paging.page, pageSize: paging.pageSize, order: 'asc', orderBy: 'id' } },
        }),
      );
      return { rows: r.data, total: r.total };
    },
    placeholderData: keepPreviousData,
  });
  const del = useMutation({
    mutationFn: async (r: ThirdRow) => call(api.DELETE('/v1/repository/third', { body: { repositoryId: [r.repositoryId] } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['third'] }),
  });
  const columns: ColumnDef<ThirdRow, any>[] = [
    { header: 'Id', accessorKey: 'repositoryId' },
    { header: 'Address', accessorKey: 'address' },
    { header: 'User', accessorKey: 'user' },
    { header: 'Added', cell: (c) => time(c.row.original.createTime) },
    ...(canManage
      ? [
          {
            id: 'del',
            header: 'Actions',
            cell: ({ row }: { row: { original: ThirdRow } }) => (
              <Button
                size="xs"
                color="red"
                variant="subtle"
                onClick={() => window.confirm(`Remove ${row.original.repositoryId}?`) && del.mutate(row.original)}
              >
                Remove
              </Button>
            ),
          },
        ]
      : []),
  ];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>External registries</Title>
        {canManage && <AddExternal />}
      </Group>
      {del.isError && (
        <Alert color="red" role="alert">
          {del.error.message}
        </Alert>
      )}
      <DataTable
        label="External registries"
        columns={columns}
        query={query}
        paging={paging}
        rowId={(r) => String(r.id)}
        empty="No external registries."
      />
    </Stack>
  );
}
