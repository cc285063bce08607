import { Alert, Badge, Button, Center, Group, Loader, Pagination, Select, Table, Text, UnstyledButton } from '@mantine/core';
import { type Query, type UseQueryResult, keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  type ColumnDef,
  type RowSelectionState,
  type SortingState,
  flexRender,
  getCoreRowModel,
  useReactTable,
} from '@tanstack/react-table';
import { type ReactNode, useCallback, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError } from './api';

/** Polling with backoff: every `ms` while answers come, doubling (to a minute) while they fail. */
export function poll(ms: number) {
  return (q: Query<any, any, any, any>) =>
    q.state.status === 'error' ? Math.min(ms * 2 ** Math.max(1, q.state.fetchFailureCount), 60_000) : ms;
}

/** One search parameter as state, so filters and pages are deep links that survive a reload. */
export function useParam(name: string, fallback = ''): [string, (v: string | null) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get(name) ?? fallback;
  const set = useCallback(
    (v: string | null) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (v === null || v === '' || v === fallback) next.delete(name);
          else next.set(name, v);
          // A new filter starts at the first page.
          if (name !== 'page') next.delete('page');
          return next;
        },
        { replace: true },
      ),
    [name, fallback, setParams],
  );
  return [value, set];
}

export interface Paging {
  page: number;
  pageSize: number;
  setPage: (p: number) => void;
  setPageSize: (s: number) => void;
}

/** The page and its size: search parameters (deep links), or `local` state for a table in a modal. */
function usePaging(defaultSize = 20, local = false): Paging {
  const [page, setPage] = useParam('page', '1');
  const [size, setSize] = useParam('pageSize', String(defaultSize));
  const [state, setState] = useState({ page: 1, pageSize: defaultSize });
  if (local) {
    return {
      ...state,
      setPage: (p) => setState((s) => ({ ...s, page: p })),
      setPageSize: (n) => setState({ page: 1, pageSize: n }),
    };
  }
  return {
    page: Math.max(1, Number(page) || 1),
    pageSize: Math.min(1000, Math.max(1, Number(size) || defaultSize)),
    setPage: (p) => setPage(String(p)),
    setPageSize: (n) => setSize(String(n)),
  };
}

/** One page of a list as the API answers it (API.md §1): the rows in `data`, the count of all in `total`. */
export interface ApiPage {
  data: unknown[];
  total: number;
}

export interface Paged<P extends ApiPage> {
  paging: Paging;
  query: UseQueryResult<P>;
}

/**
 * One page of a server-paged list: `fetch` is called with the page and its size (the rest of
 * the query — filters, sort — is the caller's, and part of `key`). The previous page stays on
 * screen while the next one loads.
 */
export function usePagedQuery<P extends ApiPage>(opts: {
  key: readonly unknown[];
  fetch: (page: { page: number; pageSize: number }) => Promise<P>;
  pageSize?: number;
  local?: boolean;
  refetchInterval?: number | false | ((q: Query<P, Error, P, readonly unknown[]>) => number | false);
  enabled?: boolean;
}): Paged<P> {
  const paging = usePaging(opts.pageSize ?? 20, opts.local);
  const query = useQuery({
    queryKey: [...opts.key, paging.page, paging.pageSize],
    queryFn: () => opts.fetch({ page: paging.page, pageSize: paging.pageSize }),
    placeholderData: keepPreviousData,
    refetchInterval: opts.refetchInterval,
    enabled: opts.enabled,
  });
  return { paging, query };
}

/** A horizontally scrolling region for wide tables: focusable, so keyboard users can scroll it (axe: scrollable-region-focusable). */
export function Scroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus to be scrolled by keyboard
    <div role="region" aria-label={label} tabIndex={0} style={{ overflowX: 'auto' }}>
      {children}
    </div>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const status = error instanceof ApiError ? error.status : 0;
  return (
    <Alert color="red" title={status ? `Error ${status}` : 'Error'} role="alert">
      <Group justify="space-between">
        <Text size="sm">{(error as Error)?.message ?? String(error)}</Text>
        {retry && (
          <Button size="xs" variant="light" color="red" onClick={retry}>
            Retry
          </Button>
        )}
      </Group>
    </Alert>
  );
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <Center p="lg" role="status">
      <Loader size="sm" />
      <Text ml="sm" size="sm" c="dimmed">
        {label}…
      </Text>
    </Center>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <Text c="dimmed" p="md" ta="center" data-testid="empty">
      {children}
    </Text>
  );
}

export function ReadyBadge({ ready, paused }: { ready: boolean; paused?: boolean }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Badge color={ready ? 'teal' : 'red'} variant="light" data-ready={ready}>
        {ready ? 'ready' : 'not ready'}
      </Badge>
      {paused && (
        <Badge color="yellow" variant="light">
          paused
        </Badge>
      )}
    </Group>
  );
}

const STATE_COLORS: Record<string, string> = {
  available: 'teal',
  approved: 'teal',
  progressing: 'blue',
  pending: 'yellow',
  degraded: 'orange',
  failed: 'red',
  rejected: 'red',
  unreachable: 'gray',
  offline: 'gray',
  removed: 'gray',
};

export function StateBadge({ state }: { state: string }) {
  return (
    <Badge color={STATE_COLORS[state] ?? 'gray'} variant="light" data-state={state}>
      {state}
    </Badge>
  );
}

export function bytes(n: number): string {
  if (!n) return '0';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function time(sec: number | null | undefined): string {
  if (!sec) return '—';
  return new Date(sec * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

/**
 * The server-paged table (TanStack Table in manual mode) of every list: the page, its size and
 * the sort are the server's, so 5,000 clusters or 100,000 nodes cost one page; the count and
 * the pager come from the API's `total`.
 */
export function PagedTable<T>(props: {
  label: string;
  columns: ColumnDef<T, any>[];
  paged: Paged<{ data: T[]; total: number }>;
  empty: ReactNode;
  rowId: (row: T) => string;
  sorting?: SortingState;
  onSorting?: (s: SortingState) => void;
  selection?: RowSelectionState;
  onSelection?: (s: RowSelectionState) => void;
}) {
  const { query, paging } = props.paged;
  const rows = query.data?.data ?? [];
  const total = query.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / paging.pageSize));
  const table = useReactTable({
    data: rows,
    columns: props.columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: props.rowId,
    manualPagination: true,
    manualSorting: true,
    manualFiltering: true,
    rowCount: total,
    state: {
      pagination: { pageIndex: paging.page - 1, pageSize: paging.pageSize },
      sorting: props.sorting ?? [],
      rowSelection: props.selection ?? {},
    },
    enableRowSelection: !!props.onSelection,
    onRowSelectionChange: (u) => props.onSelection?.(typeof u === 'function' ? u(props.selection ?? {}) : u),
    onSortingChange: (u) => props.onSorting?.(typeof u === 'function' ? u(props.sorting ?? []) : u),
    enableSorting: !!props.onSorting,
    enableMultiSort: false,
  });
  if (query.isError && !query.data) return <ErrorState error={query.error} retry={() => query.refetch()} />;
  return (
    <div>
      {query.isError && <ErrorState error={query.error} retry={() => query.refetch()} />}
      <Scroll label={`${props.label} (scrolls sideways)`}>
        <Table miw={600} striped highlightOnHover aria-label={props.label} aria-busy={query.isFetching}>
          <Table.Thead>
            {table.getHeaderGroups().map((hg) => (
              <Table.Tr key={hg.id}>
                {hg.headers.map((h) => {
                  const sort = h.column.getIsSorted();
                  return (
                    <Table.Th key={h.id} aria-sort={sort === 'asc' ? 'ascending' : sort === 'desc' ? 'descending' : undefined}>
                      {h.column.getCanSort() ? (
                        <UnstyledButton onClick={h.column.getToggleSortingHandler()} fw={700} fz="sm">
                          {flexRender(h.column.columnDef.header, h.getContext())}
                          {sort === 'asc' ? ' ▲' : sort === 'desc' ? ' ▼' : ' ↕'}
                        </UnstyledButton>
                      ) : (
                        flexRender(h.column.columnDef.header, h.getContext())
                      )}
                    </Table.Th>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Thead>
          <Table.Tbody>
            {table.getRowModel().rows.map((r) => (
              <Table.Tr key={r.id} data-row={r.id}>
                {r.getVisibleCells().map((c) => (
                  <Table.Td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Scroll>
      {query.isPending && <Loading />}
      {!query.isPending && rows.length === 0 && !query.isError && <Empty>{props.empty}</Empty>}
      <Group justify="space-between" mt="sm">
        <Text size="sm" c="dimmed" aria-live="polite">
          {total} in all
        </Text>
        <Group gap="xs">
          <Select
            aria-label="Rows per page"
            size="xs"
            w={90}
            data={['10', '20', '50', '100']}
            value={String(paging.pageSize)}
            onChange={(v) => v && paging.setPageSize(Number(v))}
            allowDeselect={false}
          />
          <Pagination
            size="sm"
            total={pages}
            value={paging.page}
            onChange={paging.setPage}
            getControlProps={(c) => ({ 'aria-label': `${c} page` })}
            getItemProps={(p) => ({ 'aria-label': `page ${p}` })}
          />
        </Group>
      </Group>
    </div>
  );
}

/** A checkbox column for tables whose rows can be acted on together. */
export function selectColumn<T>(): ColumnDef<T, unknown> {
  return {
    id: 'select',
    header: ({ table }) => (
      <input
        type="checkbox"
        aria-label="Select all rows on this page"
        checked={table.getIsAllPageRowsSelected()}
        onChange={table.getToggleAllPageRowsSelectedHandler()}
      />
    ),
    cell: ({ row }) => (
      <input
        type="checkbox"
        aria-label={`Select ${row.id}`}
        checked={row.getIsSelected()}
        onChange={row.getToggleSelectedHandler()}
      />
    ),
  };
}

/**
 * The "Actions" column of a list whose rows can be deleted: one button per row, confirmed
 * first. None at all for a role that may not delete (controls are absent, not disabled).
 */
export function deleteColumn<T>(
  allowed: boolean,
  opts: { verb?: string; what: (row: T) => string; confirm: (row: T) => string; onDelete: (row: T) => void },
): ColumnDef<T, unknown>[] {
  if (!allowed) return [];
  const verb = opts.verb ?? 'Delete';
  return [
    {
      id: 'del',
      header: 'Actions',
      cell: ({ row }) => (
        <Button
          size="xs"
          color="red"
          variant="subtle"
          onClick={() => window.confirm(opts.confirm(row.original)) && opts.onDelete(row.original)}
          aria-label={`${verb} ${opts.what(row.original)}`}
        >
          {verb}
        </Button>
      ),
    },
  ];
}
