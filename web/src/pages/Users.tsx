import {
  ActionIcon,
  Badge,
  Button,
  Checkbox,
  Group,
  Menu,
  Modal,
  NumberInput,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef, SortingState } from '@tanstack/react-table';
import { useState } from 'react';
import { api, call } from '../api';
import { ApiFormView, ModalForm, useApiForm } from '../form';
import { ROLE_NAMES, Role, useMe } from '../me';
import { ErrorState, PagedTable, time, useParam, usePagedQuery } from '../ui';
import { NewPasswordInput } from './SignIn';

export interface UserRow {
  id: number;
  user: string;
  status: number;
  realName: string;
  phone: string;
  isAdmin: boolean;
  role: number;
  businessId: number | null;
  createTime: number;
  updateTime: number;
}

export const USER_STATUS = ['pending', 'approved', 'not approved', 'forbidden'];
const STATUS_COLOR = ['yellow', 'teal', 'red', 'gray'];

export function UserStatus({ status }: { status: number }) {
  return (
    <Badge variant="light" color={STATUS_COLOR[status]}>
      {USER_STATUS[status] ?? status}
    </Badge>
  );
}

function CreateUser() {
  const me = useMe();
  const qc = useQueryClient();
  const f = useApiForm({
    initialValues: { user: '', password: '', phone: '', realName: '', isAdmin: false, businessId: '' },
    submit: ({ businessId, ...rest }) =>
      call(
        api.POST('/v1/admin/user', { body: me.role === Role.systemAdmin ? { ...rest, businessId: Number(businessId) } : rest }),
      ),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['users'] }),
    resetOnSuccess: true,
  });
  return (
    <ModalForm f={f} button="Create sub-user" title="Create a sub-user" submit="Create">
      <TextInput label="User name" {...f.form.getInputProps('user')} required />
      <NewPasswordInput {...f.form.getInputProps('password')} />
      <TextInput label="Real name" {...f.form.getInputProps('realName')} required />
      <TextInput label="Phone" {...f.form.getInputProps('phone')} required />
      {me.role === Role.systemAdmin && (
        <NumberInput label="Business id" {...f.form.getInputProps('businessId')} min={1} required />
      )}
      <Checkbox label="Business administrator" {...f.form.getInputProps('isAdmin', { type: 'checkbox' })} />
    </ModalForm>
  );
}

function ResetPassword({ user, onClose }: { user: UserRow | null; onClose: () => void }) {
  const f = useApiForm({
    initialValues: { password: '' },
    submit: ({ password }) =>
      call(api.PUT('/v1/admin/user/{userId}/password', { params: { path: { userId: user!.id } }, body: { password } })),
    resetOnSuccess: true,
  });
  return (
    <Modal opened={!!user} onClose={onClose} title={`Reset the password of ${user?.user ?? ''}`}>
      <ApiFormView f={f} label="Reset password" submit="Reset password" onDone={onClose}>
        <NewPasswordInput label="New password" {...f.form.getInputProps('password')} />
      </ApiFormView>
    </Modal>
  );
}

/** Users (API.md §3): a business admin sees its business's, the system admin everyone. */
export function UsersTable({ statusFilter, reviewMode }: { statusFilter?: number; reviewMode?: boolean }) {
  const me = useMe();
  const isSys = me.role === Role.systemAdmin;
  const qc = useQueryClient();
  const [name, setName] = useParam('user');
  const [statusParam, setStatus] = useParam('status');
  const status = statusFilter ?? (statusParam === '' ? undefined : Number(statusParam));
  const [sort, setSort] = useParam('sort', 'id:desc');
  const [orderBy, order] = sort.split(':') as ['id' | 'user_name', 'asc' | 'desc'];
  const [resetting, setResetting] = useState<UserRow | null>(null);
  const paged = usePagedQuery({
    key: ['users', name, status, sort],
    fetch: (page) =>
      call(
        api.GET('/v1/admin/user', {
          params: {
            query: { ...page, order, orderBy, ...(name ? { user: name } : {}), ...(status !== undefined ? { status } : {}) },
          },
        }),
      ),
    refetchInterval: reviewMode ? 5_000 : false,
  });
  const act = useMutation({
    mutationFn: async ({ u, what, status: s }: { u: UserRow; what: 'status' | 'delete'; status?: number }) =>
      what === 'delete'
        ? call(api.DELETE('/v1/admin/user/{userId}', { params: { path: { userId: u.id } } }))
        : call(api.PUT('/v1/admin/user/{userId}', { params: { path: { userId: u.id } }, body: { status: s! } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['users'] }),
  });
  const sorting: SortingState = [{ id: orderBy === 'user_name' ? 'user' : 'id', desc: order === 'desc' }];
  const columns: ColumnDef<UserRow, any>[] = [
    { id: 'id', header: 'Id', accessorKey: 'id' },
    { id: 'user', header: 'User', accessorKey: 'user' },
    { id: 'realName', header: 'Real name', accessorKey: 'realName', enableSorting: false },
    { id: 'phone', header: 'Phone', accessorKey: 'phone', enableSorting: false },
    { id: 'status', header: 'Status', enableSorting: false, cell: (c) => <UserStatus status={c.row.original.status} /> },
    { id: 'role', header: 'Role', enableSorting: false, cell: (c) => ROLE_NAMES[c.row.original.role] },
    { id: 'business', header: 'Business', enableSorting: false, cell: (c) => c.row.original.businessId ?? '—' },
    { id: 'created', header: 'Registered', enableSorting: false, cell: (c) => time(c.row.original.createTime) },
    {
      id: 'actions',
      header: 'Actions',
      enableSorting: false,
      cell: (c) => {
        const u = c.row.original;
        if (u.role === Role.systemAdmin) return null;
        if (reviewMode) {
          return (
            <Group gap={4} wrap="nowrap">
              <Button
                size="xs"
                color="teal.9"
                onClick={() => act.mutate({ u, what: 'status', status: 1 })}
                aria-label={`Approve ${u.user}`}
              >
                Approve
              </Button>
              <Button
                size="xs"
                color="red"
                variant="light"
                onClick={() => act.mutate({ u, what: 'status', status: 2 })}
                aria-label={`Reject ${u.user}`}
              >
                Reject
              </Button>
            </Group>
          );
        }
        return (
          <Menu position="bottom-end">
            <Menu.Target>
              <ActionIcon variant="subtle" aria-label={`Actions for ${u.user}`}>
                ⋯
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              {isSys &&
                [1, 2, 3]
                  .filter((s) => s !== u.status)
                  .map((s) => (
                    <Menu.Item key={s} onClick={() => act.mutate({ u, what: 'status', status: s })}>
                      Set {USER_STATUS[s]}
                    </Menu.Item>
                  ))}
              <Menu.Item onClick={() => setResetting(u)}>Reset password</Menu.Item>
              {u.id !== me.userId && (
                <Menu.Item
                  color="red"
                  onClick={() => window.confirm(`Delete user ${u.user}?`) && act.mutate({ u, what: 'delete' })}
                >
                  Delete
                </Menu.Item>
              )}
            </Menu.Dropdown>
          </Menu>
        );
      },
    },
  ];
  return (
    <Stack>
      <Group align="flex-end">
        <TextInput label="User name contains" value={name} onChange={(e) => setName(e.currentTarget.value)} w={200} />
        {statusFilter === undefined && (
          <Select
            label="Status"
            data={USER_STATUS.map((s, i) => ({ value: String(i), label: s }))}
            value={statusParam || null}
            onChange={(v) => setStatus(v)}
            clearable
            w={180}
          />
        )}
      </Group>
      {act.isError && <ErrorState error={act.error} />}
      <PagedTable
        label={reviewMode ? 'Registrations waiting for review' : 'Users'}
        columns={columns}
        paged={paged}
        rowId={(r) => String(r.id)}
        empty={reviewMode ? 'No registration waits for review.' : 'No users match.'}
        sorting={sorting}
        onSorting={(s) => setSort(`${s[0]?.id === 'user' ? 'user_name' : 'id'}:${s[0]?.desc ? 'desc' : 'asc'}`)}
      />
      <ResetPassword user={resetting} onClose={() => setResetting(null)} />
      {isSys && !reviewMode && (
        <Text size="sm" c="dimmed">
          Sub-users you create are approved at once.
        </Text>
      )}
    </Stack>
  );
}

export default function Users() {
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Users</Title>
        <CreateUser />
      </Group>
      <UsersTable />
    </Stack>
  );
}
