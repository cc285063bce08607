import { Group, NumberInput, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { api, call } from '../api';
import { ModalForm, useApiForm } from '../form';
import { Role, useMe } from '../me';
import { ErrorState, PagedTable, deleteColumn, time, usePagedQuery } from '../ui';

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
  const f = useApiForm({
    initialValues: { repositoryId: '', address: '', user: '', password: '', businessId: '' },
    submit: ({ businessId, ...rest }) =>
      call(
        api.POST('/v1/repository/third', {
          body: me.role === Role.systemAdmin ? { ...rest, businessId: Number(businessId) } : rest,
        }),
      ),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['third'] }),
    resetOnSuccess: true,
  });
  return (
    <ModalForm f={f} button="Add external registry" title="Add an external registry" submit="Add">
      <TextInput label="Id (pull secret name)" {...f.form.getInputProps('repositoryId')} required />
      <TextInput label="Address (host[:port])" {...f.form.getInputProps('address')} required />
      <TextInput label="User" {...f.form.getInputProps('user')} required />
      <PasswordInput label="Password" autoComplete="off" {...f.form.getInputProps('password')} required />
      {me.role === Role.systemAdmin && (
        <NumberInput label="Business id" {...f.form.getInputProps('businessId')} min={1} required />
      )}
    </ModalForm>
  );
}

/** External registries: credentials are write-only (the password is never shown). */
export default function External() {
  const me = useMe();
  const canManage = me.role >= Role.businessAdmin;
  const qc = useQueryClient();
  const paged = usePagedQuery({
    key: ['third'],
    fetch: (page) => call(api.GET('/v1/repository/third', { params: { query: { ...page, order: 'asc', orderBy: 'id' } } })),
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
    ...deleteColumn<ThirdRow>(canManage, {
      verb: 'Remove',
      what: (r) => r.repositoryId,
      confirm: (r) => `Remove ${r.repositoryId}?`,
      onDelete: (r) => del.mutate(r),
    }),
  ];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>External registries</Title>
        {canManage && <AddExternal />}
      </Group>
      {del.isError && <ErrorState error={del.error} />}
      <PagedTable
        label="External registries"
        columns={columns}
        paged={paged}
        rowId={(r) => String(r.id)}
        empty="No external registries."
      />
    </Stack>
  );
}
