import { ActionIcon, Badge, Button, Group, Menu, Stack, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { api, call } from '../api';
import { ApiFormView, useApiForm } from '../form';
import { Role, useMe } from '../me';
import { ErrorState, PagedTable, time, useParam, usePagedQuery } from '../ui';

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
  const f = useApiForm({
    initialValues: { name: '', introduce: '', objective: '', scale: '' },
    submit: (body) => call(api.POST('/v1/business', { body })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['businesses'] }),
    resetOnSuccess: true,
  });
  return (
    <ApiFormView
      f={f}
      label="Create a business"
      title="Create your business"
      submit="Submit for review"
      success="Submitted: a system administrator reviews it."
      framed
    >
      <TextInput label="Business name" {...f.form.getInputProps('name')} required />
      <Textarea label="Introduction" {...f.form.getInputProps('introduce')} />
      <TextInput label="Objective" {...f.form.getInputProps('objective')} />
      <TextInput label="Expected scale" {...f.form.getInputProps('scale')} />
    </ApiFormView>
  );
}

/** Businesses: the system admin sees and audits all; others see their own. */
export function BusinessesTable({ reviewMode }: { reviewMode?: boolean }) {
  const me = useMe();
  const isSys = me.role === Role.systemAdmin;
  const qc = useQueryClient();
  const [name, setName] = useParam('name');
  const paged = usePagedQuery({
    key: ['businesses', name],
    fetch: (page) =>
      call(api.GET('/v1/business', { params: { query: { ...page, order: 'desc', orderBy: 'id', ...(name ? { name } : {}) } } })),
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
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['businesses'] }),
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
      {act.isError && <ErrorState error={act.error} />}
      <PagedTable label="Businesses" columns={columns} paged={paged} rowId={(r) => String(r.id)} empty="No businesses." />
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
