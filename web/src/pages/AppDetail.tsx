import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  NumberInput,
  Paper,
  Progress,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, call } from '../api';
import { FormMessage, useApiForm } from '../form';
import { Role, owns, useMe } from '../me';
import { RevisionDiff } from '../preview';
import { ErrorState, Loading, StateBadge, poll, time, Scroll } from '../ui';
import type { AppRow } from './Apps';

const Bars = lazy(() => import('../charts').then((m) => ({ default: m.Bars })));

export interface ClusterStatus {
  clusterName: string;
  revision: number | null;
  desiredReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  state: string;
  message: string;
  updateTime: number;
}
export interface AppDetailData extends AppRow {
  spec: Record<string, unknown>;
  pendingRevision: number | null;
  clusters: ClusterStatus[];
}
export interface RevisionRow {
  revision: number;
  spec: Record<string, unknown>;
  status: string;
  comment: string;
  createTime: number;
  updateTime: number;
}

function Scale({ app }: { app: AppDetailData }) {
  const qc = useQueryClient();
  const f = useApiForm({
    initialValues: { replicas: app.replicas },
    submit: ({ replicas }) =>
      call(api.PUT('/v1/app/{id}/replicas', { params: { path: { id: app.id } }, body: { replicas: Number(replicas) } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['app', app.id] }),
  });
  return (
    <form onSubmit={f.handler()} aria-label="Scale">
      <Stack gap="xs">
        <FormMessage message={f.message} />
        <Group align="flex-end">
          <NumberInput label="Replicas" {...f.form.getInputProps('replicas')} min={0} max={100} w={120} />
          <Button type="submit" loading={f.mutation.isPending}>
            Scale
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Revisions({ app, canAct }: { app: AppDetailData; canAct: boolean }) {
  const qc = useQueryClient();
  const [open, setOpen] = useState<number | null>(null);
  const revisions = useQuery({
    queryKey: ['app-revisions', app.id],
    queryFn: async () =>
      (await call(api.GET('/v1/app/{id}/revision', { params: { path: { id: app.id } } }))).data as RevisionRow[],
    refetchInterval: poll(10_000),
  });
  const rollback = useMutation({
    mutationFn: async (revision: number) =>
      call(api.PUT('/v1/app/{id}/rollback', { params: { path: { id: app.id } }, body: { revision } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['app', app.id] });
      void qc.invalidateQueries({ queryKey: ['app-revisions', app.id] });
    },
  });
  if (revisions.isPending) return <Loading />;
  if (revisions.isError) return <ErrorState error={revisions.error} retry={() => revisions.refetch()} />;
  const rows = [...revisions.data].sort((a, b) => b.revision - a.revision);
  const running = rows.find((r) => r.revision === app.runningRevision);
  return (
    <Stack>
      {rollback.isError && <ErrorState error={rollback.error} />}
      <Scroll label="Revision history (scrolls sideways)">
        <Table miw={500} aria-label="Revision history">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Revision</Table.Th>
              <Table.Th>Image</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Comment</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.revision} data-revision={r.revision}>
                <Table.Td>
                  {r.revision}{' '}
                  {r.revision === app.runningRevision && (
                    <Badge size="xs" color="teal.9">
                      running
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{`${typeof r.spec.image === 'string' ? r.spec.image : ''}:${typeof r.spec.tag === 'string' ? r.spec.tag : ''}`}</Table.Td>
                <Table.Td>
                  <StateBadge state={r.status} />
                </Table.Td>
                <Table.Td>{r.comment}</Table.Td>
                <Table.Td>{time(r.createTime)}</Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    {running && r.revision !== running.revision && (
                      <Button size="xs" variant="subtle" onClick={() => setOpen(open === r.revision ? null : r.revision)}>
                        {open === r.revision ? 'Hide diff' : 'Diff'}
                      </Button>
                    )}
                    {canAct && r.status === 'approved' && r.revision !== app.runningRevision && (
                      <Button
                        size="xs"
                        variant="light"
                        loading={rollback.isPending}
                        onClick={() => rollback.mutate(r.revision)}
                        aria-label={`Roll back to revision ${r.revision}`}
                      >
                        Roll back
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Scroll>
      {open !== null && running && (
        <RevisionDiff
          from={running.spec}
          to={rows.find((r) => r.revision === open)?.spec}
          fromLabel={`running ${running.revision}`}
          toLabel={`revision ${open}`}
        />
      )}
    </Stack>
  );
}

/** One application: per-cluster status grid, rollout progress, revisions, scaling — live. */
export default function AppDetail() {
  const id = Number(useParams().id);
  const me = useMe();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const app = useQuery({
    queryKey: ['app', id],
    queryFn: async () => (await call(api.GET('/v1/app/{id}', { params: { path: { id } } }))).data as AppDetailData,
    refetchInterval: poll(2_000),
  });
  const del = useMutation({
    mutationFn: async () => call(api.DELETE('/v1/app/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['apps'] });
      void navigate('/apps');
    },
  });
  if (app.isPending) return <Loading />;
  if (app.isError) return <ErrorState error={app.error} retry={() => app.refetch()} />;
  const a = app.data;
  const canAct = owns(me, a.businessId);
  const canEdit = canAct && me.role >= Role.member;
  const clusters = [...a.clusters].sort((x, y) => x.clusterName.localeCompare(y.clusterName));
  const onRunning = clusters.filter((c) => c.revision === a.runningRevision && c.state === 'available').length;
  const pct = a.targetClusters === 0 ? 0 : Math.round((onRunning / a.targetClusters) * 100);
  return (
    <Stack>
      <Anchor component={Link} to="/apps">
        ← Applications
      </Anchor>
      <Group justify="space-between">
        <Title order={1}>{a.appName}</Title>
        <Group>
          {me.role === Role.systemAdmin && a.status === 'pending' && (
            <Button component={Link} to={`/reviews/apps/${a.id}`} color="yellow">
              Review revision {a.pendingRevision ?? a.revision}
            </Button>
          )}
          {canEdit && (
            <Button component={Link} to={`/apps/${a.id}/edit`} variant="default">
              Edit (new revision)
            </Button>
          )}
          {canAct && (
            <Button
              color="red"
              variant="light"
              loading={del.isPending}
              onClick={() => window.confirm(`Delete ${a.appName} from every cluster?`) && del.mutate()}
            >
              Delete
            </Button>
          )}
        </Group>
      </Group>
      {del.isError && <ErrorState error={del.error} />}
      {a.message && (
        <Alert color="orange" title="Rollout">
          {a.message}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <Paper withBorder p="sm">
          <Text size="sm" c="dimmed">
            Image
          </Text>
          <Text fw={600} style={{ wordBreak: 'break-all' }}>{`${a.image}:${a.tag}`}</Text>
        </Paper>
        <Paper withBorder p="sm">
          <Text size="sm" c="dimmed">
            Revision
          </Text>
          <Group gap={4}>
            <Text fw={600}>{a.revision}</Text>
            <StateBadge state={a.status} />
          </Group>
          <Text size="xs">running: {a.runningRevision ?? '—'}</Text>
        </Paper>
        <Paper withBorder p="sm">
          <Text size="sm" c="dimmed">
            Placement
          </Text>
          <Text fw={600}>
            {a.clusterLabel}
            {a.nodeLabel ? ` / ${a.nodeLabel}` : ''}
          </Text>
        </Paper>
        <Paper withBorder p="sm">
          <Text size="sm" c="dimmed">
            Replicas per cluster
          </Text>
          <Text fw={600}>{a.replicas}</Text>
        </Paper>
      </SimpleGrid>
      <Paper withBorder p="md">
        <Title order={2} size="h4">
          Rollout progress
        </Title>
        <Text size="sm" data-testid="rollout-progress" aria-live="polite">
          {onRunning} of {a.targetClusters} target clusters run revision {a.runningRevision ?? '—'} and are available
        </Text>
        <Progress
          value={pct}
          mt="xs"
          size="lg"
          color={pct === 100 ? 'teal' : 'blue'}
          aria-label={`Rollout progress ${pct}%`}
          striped={pct < 100}
          animated={pct < 100 && pct > 0}
        />
      </Paper>
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="sm">
          Status per cluster
        </Title>
        {clusters.length === 0 ? (
          <Text c="dimmed">
            Not placed on any cluster{' '}
            {a.runningRevision === null ? '(no revision approved yet)' : '(no cluster matches its label)'}.
          </Text>
        ) : (
          <Scroll label="Status per cluster (scrolls sideways)">
            <Table miw={500} aria-label="Status per cluster" data-testid="status-grid">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Cluster</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Revision</Table.Th>
                  <Table.Th>Ready / available / desired</Table.Th>
                  <Table.Th>Message</Table.Th>
                  <Table.Th>Updated</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {clusters.map((c) => (
                  <Table.Tr key={c.clusterName} data-cluster={c.clusterName}>
                    <Table.Td>{c.clusterName}</Table.Td>
                    <Table.Td>
                      <StateBadge state={c.state} />
                    </Table.Td>
                    <Table.Td>{c.revision ?? '—'}</Table.Td>
                    <Table.Td>{`${c.readyReplicas} / ${c.availableReplicas} / ${c.desiredReplicas}`}</Table.Td>
                    <Table.Td>{c.message}</Table.Td>
                    <Table.Td>{time(c.updateTime)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Scroll>
        )}
        {clusters.length > 0 && (
          <Suspense fallback={null}>
            <Bars
              label="Available and desired replicas per cluster"
              data={clusters.map((c) => ({ cluster: c.clusterName, available: c.availableReplicas, desired: c.desiredReplicas }))}
              dataKey="cluster"
              series={[
                { name: 'available', color: 'teal.6' },
                { name: 'desired', color: 'gray.5' },
              ]}
              height={180}
            />
          </Suspense>
        )}
      </Paper>
      {canAct && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="sm">
            Scaling
          </Title>
          <Scale key={a.replicas} app={a} />
        </Paper>
      )}
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="sm">
          Revision history
        </Title>
        <Revisions app={a} canAct={canAct} />
      </Paper>
    </Stack>
  );
}
