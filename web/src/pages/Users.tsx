import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Menu,
  ActionIcon,
  Modal,
  NumberInput,
  PasswordInput,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef, SortingState } from '@tanstack/react-table';
import { useState } from 'react';
import { api, call, fieldError, formError } from '../api';
import { ROLE_NAMES, Role, useMe } from '../me';
import { DataTable, time, useParam, usePaging } from '../ui';
import { PasswordPolicy } from './SignIn';

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
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({
    user: '',
    password: '',
    phone: '',
    realName: '',
    isAdmin: false,
    businessId: '' as number | string,
  });
  const create = useMutation({
    mutationFn: async () => {
      const { businessId, ...rest } = form;
      const body = me.role === Role.systemAdmin ? { ...rest, businessId: Number(businessId) } : rest;
      return call(api.POST('/v1/admin/user', { body: body as never }));
    },
    onSuccess: () => {
      setOpen(false);
      setForm({ user: '', password: '', phone: '', realName: '', isAdmin: false, businessId: '' });
      void qc.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const shown = ['user', 'password', 'phone', 'realName', 'isAdmin', 'businessId'];
  const err = formError(create.error, shown);
  const text = (k: 'user' | 'phone' | 'realName') => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [k]: e.currentTarget.value });
  return (
    <>
      <Button onClick={() => setOpen(true)}>Create sub-user</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Create a sub-user">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Stack>
            {err && (
              <Alert color="red" role="alert">
                {err}
              </Alert>
            )}
            <TextInput
              label="User name"
              value={form.user}
              onChange={text('user')}
              error={fieldError(create.error, 'user')}
              required
            />
            <PasswordInput
              label="Password"
              autoComplete="new-password"
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.currentTarget.value })}
              error={fieldError(create.error, 'password')}
              aria-describedby="sub-policy"
              required
            />
            <PasswordPolicy value={form.password} id="sub-policy" />
            <TextInput
              label="Real name"
              value={form.realName}
              onChange={text('realName')}
              error={fieldError(create.error, 'realName')}
              required
            />
            <TextInput
              label="Phone"
              value={form.phone}
              onChange={text('phone')}
              error={fieldError(create.error, 'phone')}
              required
            />
            {me.role === Role.systemAdmin && (
              <NumberInput
                label="Business id"
                value={form.businessId}
                onChange={(v) => setForm({ ...form, businessId: v })}
                error={fieldError(create.error, 'businessId')}
                min={1}
                required
              />
            )}
            <Checkbox
              label="Business administrator"
              checked={form.isAdmin}
              onChange={(e) => setForm({ ...form, isAdmin: e.currentTarget.checked })}
            />
            <Button type="submit" loading={create.isPending}>
              Create
            </Button>
          </Stack>
        </form>
      </Modal>
    </>
  );
}

function ResetPassword({ user, onClose }: { user: UserRow | null; onClose: () => void }) {
  const [password, setPassword] = useState('');
  const reset = useMutation({
    mutationFn: async () =>
      call(api.PUT('/v1/admin/user/{userId}/password', { params: { path: { userId: user!.id } }, body: { password } })),
    onSuccess: () => {
      setPassword('');
      onClose();
    },
  });
  return (
    <Modal opened={!!user} onClose={onClose} title={`Reset the password of ${user?.user ?? ''}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          reset.mutate();
        }}
      >
        <Stack>
          {formError(reset.error, ['password']) && (
            <Alert color="red" role="alert">
              {formError(reset.error, ['password'])}
            </Alert>
          )}
          <PasswordInput
            label="New password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={fieldError(reset.error, 'password')}
            aria-describedby="reset-policy"
            required
          />
          <PasswordPolicy value={password} id="reset-policy" />
          <Button type="submit" loading={reset.isPending}>
            Reset password
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}

/** Users (API.md §3): a business admin sees its business's, the system admin everyone. */
export function UsersTable({ statusFilter, reviewMode }: { statusFilter?: number; reviewMode?: boolean }) {
  const me = useMe();
  const isSys = me.role === Role.systemAdmin;
  const qc = useQueryClient();
  const paging = usePaging(20);
  const [name, setName] = useParam('user');
  const [statusParam, setStatus] = useParam('status');
  const status = statusFilter ?? (statusParam === '' ? undefined : Number(statusParam));
  const [sort, setSort] = useParam('sort', 'id:desc');
  const [orderBy, order] = sort.split(':') as ['id' | 'user_name', 'asc' | 'desc'];
  const [resetting, setResetting] = useState<UserRow | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const query = useQuery({
    queryKey: ['users', paging.page, paging.pageSize, name, status, sort],
    queryFn: async () => {
      const r = await call(
        api.GET('/v1/admin/user', {
          params: {
            query: {
              page: paging.page,
              pageSize: paging.pageSize,
              order,
              orderBy,
              ...(name ? { user: name } : {}),
              ...(status !== undefined ? { status } : {}),
            },
          },
        }),
      );
      return { rows: r.data, total: r.total };
    },
    placeholderData: keepPreviousData,
    refetchInterval: reviewMode ? 5_000 : false,
  });
  const act = useMutation({
    mutationFn: async ({ u, what, status: s }: { u: UserRow; what: 'status' | 'delete'; status?: number }) =>
      what === 'delete'
        ? call(api.DELETE('/v1/admin/user/{userId}', { params: { path: { userId: u.id } } }))
        : call(api.PUT('/v1/admin/user/{userId}', { params: { path: { userId: u.id } }, body: { status: s! } })),
    onSuccess: () => {
      setActionError(null);
      void qc.invalidateQueries({ queryKey: ['users'] });
    },
    onError: (e) => setActionError(e.message),
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
      {actionError && (
        <Alert color="red" role="alert">
          {actionError}
        </Alert>
      )}
      <DataTable
        label={reviewMode ? 'Registrations waiting for review' : 'Users'}
        columns={columns}
        query={query}
        paging={paging}
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
