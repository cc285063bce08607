import { Anchor, Badge, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, call } from '../api';
import { Bars } from '../charts';
import { ErrorState, Loading, bytes, poll, time } from '../ui';
import { NodesTable } from './Nodes';

export default function ClusterDetail() {
  const name = useParams().name ?? '';
  const labels = useQuery({
    queryKey: ['cluster-label', name],
    queryFn: async () =>
      call(
        api.GET('/v1/cluster/label/{clusterName}', {
          params: { path: { clusterName: name }, query: { page: 1, pageSize: 100, order: 'asc' } },
        }),
      ),
  });
  // Capacity: the cluster's nodes, projected to the figures the chart needs (one page of up to 1,000).
  const capacity = useQuery({
    queryKey: ['cluster-capacity', name],
    queryFn: async () => {
      const r = await call(
        api.GET('/v1/node', {
          params: {
            query: { page: 1, pageSize: 1000, order: 'asc', clusterName: name, field: 'nodeName,cpu,memory,gpu,disk,isReady' },
          },
        }),
      );
      return {
        rows: r.data as { nodeName: string; cpu: number; memory: number; gpu: number; disk: number; isReady: boolean }[],
        total: r.total,
      };
    },
    placeholderData: keepPreviousData,
    refetchInterval: poll(10_000),
  });
  if (labels.isError) return <ErrorState error={labels.error} />;
  const nodes = capacity.data?.rows ?? [];
  const sum = (k: 'cpu' | 'memory' | 'gpu' | 'disk') => nodes.reduce((a, n) => a + (n[k] ?? 0), 0);
  return (
    <Stack>
      <Group>
        <Anchor component={Link} to="/clusters">
          Clusters
        </Anchor>
        <Text>/</Text>
      </Group>
      <Title order={1}>{name}</Title>
      <Group gap={4} aria-label="Labels">
        {labels.isPending ? (
          <Loading />
        ) : (
          (labels.data?.data as { clusterLabel: string; createTime: number }[]).map((l) => (
            <Badge key={l.clusterLabel} variant="outline" title={`since ${time(l.createTime)}`}>
              {l.clusterLabel}
            </Badge>
          ))
        )}
        {labels.data && labels.data.data.length === 0 && (
          <Text c="dimmed" size="sm">
            No labels.
          </Text>
        )}
      </Group>
      <SimpleGrid cols={{ base: 2, md: 5 }}>
        {[
          ['Nodes ready', `${nodes.filter((n) => n.isReady).length} / ${capacity.data?.total ?? '…'}`],
          ['CPU', `${sum('cpu')} cores`],
          ['Memory', bytes(sum('memory'))],
          ['GPU memory', bytes(sum('gpu'))],
          ['Disk', bytes(sum('disk'))],
        ].map(([k, v]) => (
          <Paper withBorder p="sm" key={k}>
            <Text size="sm" c="dimmed">
              {k}
            </Text>
            <Text fw={700} fz="lg">
              {v}
            </Text>
          </Paper>
        ))}
      </SimpleGrid>
      {nodes.length > 0 && (
        <Paper withBorder p="sm">
          <Title order={2} size="h4">
            Capacity per node
          </Title>
          <Bars
            label={`CPU cores and memory (GiB) per node of ${name}`}
            data={nodes.map((n) => ({ node: n.nodeName, cpu: n.cpu, 'memory GiB': Math.round((n.memory / 2 ** 30) * 10) / 10 }))}
            dataKey="node"
            series={[
              { name: 'cpu', color: 'indigo.6' },
              { name: 'memory GiB', color: 'teal.6' },
            ]}
          />
        </Paper>
      )}
      <Title order={2} size="h3">
        Nodes
      </Title>
      <NodesTable fixedCluster={name} />
    </Stack>
  );
}
