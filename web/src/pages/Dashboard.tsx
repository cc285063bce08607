import { Anchor, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Suspense } from 'react';
import { Link } from 'react-router';
import { api, call } from '../api';
import { ReadyDonut } from '../charts';
import { ErrorState, Loading, poll } from '../ui';

function Stat({ label, value, to }: { label: string; value: number | string | undefined; to: string }) {
  return (
    <Paper withBorder p="md">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Anchor component={Link} to={to} fz={28} fw={700}>
        {value ?? '…'}
      </Anchor>
    </Paper>
  );
}

/** The fleet at a glance: each figure is one small request (page size 1, totals and meta). */
export default function Dashboard() {
  const nodes = useQuery({
    queryKey: ['overview', 'nodes'],
    queryFn: async () => {
      const r = await call(api.GET('/v1/node', { params: { query: { page: 1, pageSize: 1, order: 'asc', field: 'isReady' } } }));
      return { total: r.total, ready: (r as { meta: { readyNodeCount: number } }).meta.readyNodeCount };
    },
    refetchInterval: poll(5_000),
  });
  const clusters = useQuery({
    queryKey: ['overview', 'clusters'],
    queryFn: async () =>
      (await call(api.GET('/v1/cluster', { params: { query: { page: 1, pageSize: 1, order: 'asc' } } }))).total,
    refetchInterval: poll(5_000),
  });
  const apps = useQuery({
    queryKey: ['overview', 'apps'],
    queryFn: async () =>
      (await call(api.GET('/v1/app', { params: { query: { page: 1, pageSize: 1, order: 'desc', orderBy: 'id' } } }))).total,
    refetchInterval: poll(10_000),
  });
  const alerts = useQuery({
    queryKey: ['overview', 'alerts'],
    queryFn: async () => (await call(api.GET('/v1/alert', { params: { query: { page: 1, pageSize: 1, order: 'asc' } } }))).total,
    refetchInterval: poll(5_000),
  });
  const err = nodes.error ?? clusters.error ?? apps.error ?? alerts.error;
  return (
    <Stack>
      <Title order={1}>Fleet overview</Title>
      {err && <ErrorState error={err} />}
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <Stat label="Clusters" value={clusters.data} to="/clusters" />
        <Stat label="Nodes" value={nodes.data?.total} to="/nodes" />
        <Stat label="Applications" value={apps.data} to="/apps" />
        <Stat label="Open alerts" value={alerts.data} to="/alerts" />
      </SimpleGrid>
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="sm">
          Node readiness across the fleet
        </Title>
        {nodes.isPending ? (
          <Loading />
        ) : nodes.data ? (
          <Suspense fallback={null}>
            <ReadyDonut ready={nodes.data.ready} total={nodes.data.total} label="Nodes ready" />
          </Suspense>
        ) : null}
      </Paper>
    </Stack>
  );
}
