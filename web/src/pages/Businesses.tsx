import { ActionIcon, Alert, Badge, Button, Group, Menu, Paper, Stack, TextInput, Textarea, Title } from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { api, call, fieldError, formError } from '../api';
import { Role, useMe } from '../me';
import { DataTable, time, useParam, usePaging } from '../ui';

export interface BusinessRow {
  id: number;
  name: string;
  userId: number;
  comment: string;
  status: number;
  createTime: number;
  updateTime: number;
}

export const BUSINESS_STATUS = ['pending', 'approved', 'disapproved', 'deleted'];
const COLORS = ['yellow', 'teal', 'red', 'gray'];

export function BusinessStatus({ status }: { status: number }) {
  return (
    <Badge variant="light" color={COLORS[status]} data-state={BUSINESS_STATUS[status]}>
      {BUSINESS_STATUS[status]}
    </Badge>
  );
}

function CreateBusiness() {
  const qc = useQueryClient();
  const [form, setForm] = useState({ name: '', introduce: '', objective: '', scale: '' });
  const create = useMutation({
    mutationFn: async () => call(api.POST('/v1/business', { body: form })),
    onSuccess: () => {
      setForm({ name: '', introduce: '', objective: '', scale: '' });
      void qc.invalidateQueries({ queryKey: ['businesses'] });
    },
  });
  const set = (k: keyof typeof form) => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [k]: e.currentTarget.value });
  const err = formError(create.error, Object.keys(form));
  return (
    <Paper
      withBorder
      p="md"
      component="form"
      aria-label="Create a business"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <Stack>
        <Title order={2} size="h4">
          Create your business
        </Title>
        {create.isSuccess && (
          <Alert color="teal.9" role="status">
            Submitted: a system administrator reviews it.
          </Alert>
        )}
        {err && (
          <Alert color="red" role="alert">
            {err}
          </Alert>
        )}
        <TextInput
          label="Business name"
          value={form.name}
          onChange={set('name')}
          error={fieldError(create.error, 'name')}
          required
        />
        <Textarea
          label="Introduction"
          value={form.introduce}
          onChange={set('introduce')}
          error={fieldError(create.error, 'introduce')}
        />
        <TextInput
          label="Objective"
          value={form.objective}
          onChange={set('objective')}
          error={fieldError(create.error, 'objective')}
        />
        <TextInput label="Expected scale" value={form.scale} onChange={set('scale')} error={fieldError(create.error, 'scale')} />
        <Button type="submit" loading={create.isPending}>
          Submit for review
        </Button>
      </Stack>
    </Paper>
  );
}

/** Businesses: the system admin sees and audits all; others see their own. */
export function BusinessesTable({ reviewMode }: { reviewMode?: boolean }) {
  const me = useMe();
  const isSys = me.role === Role.systemAdmin;
  const qc = useQueryClient();
  const paging = usePaging(20);
  const [name, setName] = useParam('name');
  const [err, setErr] = useState<string | null>(null);
  const query = useQuery({
    queryKey: ['businesses', paging.page, paging.pageSize, name],
    queryFn: async () => {
      const r = await call(
        api.GET('/v1/business', {
          params: {
            query: { page: paging.page, pageSize: paging.pageSize, order: 'desc', orderBy: 'id', ...(name ? { name } : {}) },
          },
        }),
      );
      return { rows: r.data, total: r.total };
    },
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
  const act = useMutation({
    mutationFn: async ({ b, what }: { b: BusinessRow; what: 1 | 2 | 'delete' }) =>
      what === 'delete'
        ? call(api.DELETE('/v1/business/id/{id}', { params: { path: { id: b.id } } }))
        : call(
            api.PUT('/v1/business/id/{id}', {
              params: { path: { id: b.id } },
              body: { status: what, comment: what === 1 ? 'approved' : 'disapproved' },
            }),
          ),
    onSuccess: () => {
      setErr(null);
      void qc.invalidateQueries({ queryKey: ['businesses'] });
    },
    onError: (e) => setErr(e.message),
  });
  const columns: ColumnDef<BusinessRow, any>[] = [
    { header: 'Id', accessorKey: 'id' },
    { header: 'Name', accessorKey: 'name' },
    { header: 'Creator', accessorKey: 'userId' },
    { header: 'Status', cell: (c) => <BusinessStatus status={c.row.original.status} /> },
    { header: 'Comment', accessorKey: 'comment' },
    { header: 'Created', cell: (c) => time(c.row.original.createTime) },
    ...(isSys
      ? [
          {
            id: 'actions',
            header: 'Actions',
            cell: ({ row }: { row: { original: BusinessRow } }) => {
              const b = row.original;
              if (b.status === 0) {
                return (
                  <Group gap={4} wrap="nowrap">
                    <Button size="xs" color="teal.9" onClick={() => act.mutate({ b, what: 1 })} aria-label={`Approve ${b.name}`}>
                      Approve
                    </Button>
                    <Button
                      size="xs"
                      color="red"
                      variant="light"
                      onClick={() => act.mutate({ b, what: 2 })}
                      aria-label={`Disapprove ${b.name}`}
                    >
                      Disapprove
                    </Button>
                  </Group>
                );
              }
              if (b.status !== 1 || reviewMode) return null;
              return (
                <Menu position="bottom-end">
                  <Menu.Target>
                    <ActionIcon variant="subtle" aria-label={`Actions for ${b.name}`}>
                      ⋯
                    </ActionIcon>
                  </Menu.Target>
                  <Menu.Dropdown>
                    <Menu.Item
                      color="red"
                      onClick={() =>
                        window.confirm(`Delete business ${b.name}? Its namespaces are removed from every cluster.`) &&
                        act.mutate({ b, what: 'delete' })
                      }
                    >
                      Delete business
                    </Menu.Item>
                  </Menu.Dropdown>
                </Menu>
              );
            },
          },
        ]
      : []),
  ];
  return (
    <Stack>
      <TextInput label="Name contains" value={name} onChange={(e) => setName(e.currentTarget.value)} w={220} />
      {err && (
        <Alert color="red" role="alert">
          {err}
        </Alert>
      )}
      <DataTable
        label="Businesses"
        columns={columns}
        query={query}
        paging={paging}
        rowId={(r) => String(r.id)}
        empty="No businesses."
      />
    </Stack>
  );
}

export default function Businesses() {
  const me = useMe();
  return (
    <Stack>
      <Title order={1}>Businesses</Title>
      {me.role === Role.approved && <CreateBusiness />}
      <BusinessesTable />
    </Stack>
  );
}
