import { Badge, Box, Code, Group, Paper, Stack, Table, Text } from '@mantine/core';
import type { operations } from '../../client/schema';
import { diffSpecs } from './diff';
import { ReadyBadge, Scroll } from './ui';

/** One cluster of a preview (API.md §8.1): the objects as the agent would apply them, and for a stored revision what changes. */
export type PreviewCluster =
  operations['previewAppRevision']['responses'][200]['content']['application/json']['data']['clusters'][number];
type Change = NonNullable<PreviewCluster['change']>;

const show = (v: unknown) => (v === undefined || v === null ? '—' : JSON.stringify(v));

const CHANGE: Record<Change, { label: string; color: string }> = {
  add: { label: 'would be added', color: 'teal' },
  update: { label: 'would change', color: 'blue' },
  remove: { label: 'would be removed', color: 'red' },
  none: { label: 'no change', color: 'gray' },
};

interface Row {
  key: string;
  /** The Kubernetes object the field is in (preview diffs), or none (spec diffs). */
  object?: string;
  path: string;
  from: unknown;
  to: unknown;
}

/** Changed fields: (object,) field as a JSON pointer, the value before, the value after. */
function ChangesTable({ rows, label, testId, headers }: { rows: Row[]; label: string; testId: string; headers: string[] }) {
  const withObject = rows.some((r) => r.object !== undefined);
  return (
    <Scroll label={`${label} (scrolls sideways)`}>
      <Table miw={500} aria-label={label} data-testid={testId} layout="fixed">
        <Table.Thead>
          <Table.Tr>
            {withObject && <Table.Th w="18%">Object</Table.Th>}
            <Table.Th w={withObject ? '34%' : '36%'}>Field</Table.Th>
            {headers.map((h) => (
              <Table.Th key={h}>{h}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.key}>
              {withObject && <Table.Td>{r.object}</Table.Td>}
              <Table.Td style={{ wordBreak: 'break-all' }}>
                <Code>{r.path}</Code>
              </Table.Td>
              <Table.Td c="red.9" style={{ wordBreak: 'break-all' }}>
                {show(r.from)}
              </Table.Td>
              <Table.Td c="teal.9" style={{ wordBreak: 'break-all' }}>
                {show(r.to)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Scroll>
  );
}

/** The diff of a pending revision's spec against the running one (or against nothing, for a new application). */
export function RevisionDiff({
  from,
  to,
  fromLabel,
  toLabel,
}: {
  from: unknown;
  to: unknown;
  fromLabel: string;
  toLabel: string;
}) {
  const changes = diffSpecs(from, to);
  if (changes.length === 0) return <Text c="dimmed">No change.</Text>;
  return (
    <ChangesTable
      rows={changes.map((c) => ({ key: c.path, ...c }))}
      label={`Changes from ${fromLabel} to ${toLabel}`}
      testId="revision-diff"
      headers={[fromLabel, toLabel]}
    />
  );
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const objectName = (o: Record<string, unknown>) =>
  `${str(o.kind)} ${str((o.metadata as Record<string, unknown> | undefined)?.name)}`;

/** A Kubernetes object, folded: its kind and name, and the whole object as JSON on demand. */
function ObjectView({ object, verb }: { object: Record<string, unknown>; verb?: string }) {
  return (
    <Box component="details" data-object={objectName(object)}>
      <Box component="summary" style={{ cursor: 'pointer' }}>
        <Text span size="sm" fw={600}>
          {objectName(object)}
        </Text>
        {verb && (
          <Text span size="sm">
            {' '}
            {verb}
          </Text>
        )}
      </Box>
      {/* A scrolling region takes focus, so a keyboard scrolls it too (axe: scrollable-region-focusable). */}
      <Code
        block
        mt={4}
        style={{ maxHeight: 360, overflow: 'auto' }}
        tabIndex={0}
        role="region"
        aria-label={`${objectName(object)} as JSON`}
      >
        {JSON.stringify(object, null, 2)}
      </Code>
    </Box>
  );
}

interface Group {
  clusters: PreviewCluster[];
  sample: PreviewCluster;
}

/** Clusters that would get the very same change (or, for a new spec, the very same objects) are shown once. */
function groups(clusters: readonly PreviewCluster[]): Group[] {
  const byKey = new Map<string, Group>();
  for (const c of clusters) {
    const key = JSON.stringify(c.change === undefined ? c.objects : [c.change, c.diff]);
    const g = byKey.get(key);
    if (g) g.clusters.push(c);
    else byKey.set(key, { clusters: [c], sample: c });
  }
  return [...byKey.values()];
}

const SHOWN_NAMES = 12;

/**
 * What an application (a new spec, or a stored revision) would run on each cluster it is placed
 * on now (API.md §8.1): per cluster its readiness and, for a revision, whether its objects would
 * be added, changed or removed, with the field-level diff against what runs there now.
 */
export function ClusterPreview({ clusters, label }: { clusters: readonly PreviewCluster[]; label: string }) {
  if (clusters.length === 0) {
    return (
      <Text c="dimmed" data-testid="cluster-preview">
        No cluster matches its placement now: nothing would run until one does.
      </Text>
    );
  }
  const all = groups(clusters);
  return (
    <Stack gap="sm" data-testid="cluster-preview" aria-label={label} role="group">
      <Text size="sm">
        {clusters.length} cluster(s)
        {all.length < clusters.length ? ` in ${all.length} group(s): clusters that would get the very same are shown once` : ''}.
      </Text>
      {all.map(({ clusters: members, sample }) => {
        const entries = sample.diff ?? [];
        const whole = entries.filter((d) => d.path === '');
        const fields = entries.filter((d) => d.path !== '');
        const names = members.map((m) => m.clusterName);
        return (
          <Paper
            key={names.join(' ')}
            withBorder
            p="sm"
            data-clusters={names.join(' ')}
            data-change={sample.change ?? 'new'}
            component="section"
            aria-label={`Preview for ${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}`}
          >
            <Group gap="xs" mb="xs">
              {members.slice(0, SHOWN_NAMES).map((m) => (
                <Group key={m.clusterName} gap={4} wrap="nowrap" data-cluster={m.clusterName}>
                  <Text fw={700} size="sm">
                    {m.clusterName}
                  </Text>
                  <ReadyBadge ready={m.isReady} paused={m.paused} />
                </Group>
              ))}
              {members.length > SHOWN_NAMES && <Text size="sm">and {members.length - SHOWN_NAMES} more</Text>}
              {sample.change && (
                <Badge color={CHANGE[sample.change].color} variant="light" data-state={sample.change}>
                  {CHANGE[sample.change].label}
                </Badge>
              )}
            </Group>
            {sample.change === undefined ? (
              <Stack gap={4}>
                <Text size="sm">
                  {sample.objects.length} object(s) would be applied: {sample.objects.map(objectName).join(', ')}
                </Text>
                {sample.objects.map((o) => (
                  <ObjectView key={objectName(o)} object={o} />
                ))}
              </Stack>
            ) : sample.change === 'none' ? (
              <Text size="sm" c="dimmed">
                Runs this already (revision {sample.currentRevision ?? '—'}).
              </Text>
            ) : (
              <Stack gap={4}>
                <Text size="sm">
                  {sample.currentRevision ? `Now: revision ${sample.currentRevision}.` : 'Runs nothing of this application now.'}
                </Text>
                {whole.map((d) => (
                  <ObjectView
                    key={`${d.kind}/${d.name}`}
                    object={(d.to ?? d.from) as Record<string, unknown>}
                    verb={d.to ? 'added' : 'removed'}
                  />
                ))}
                {fields.length > 0 && (
                  <ChangesTable
                    rows={fields.map((d) => ({ key: `${d.kind}/${d.name}${d.path}`, object: `${d.kind} ${d.name}`, ...d }))}
                    testId="preview-diff"
                    headers={['Now', 'After']}
                    label={`Field changes on ${names.slice(0, 3).join(', ')}${names.length > 3 ? ' and more' : ''}`}
                  />
                )}
              </Stack>
            )}
          </Paper>
        );
      })}
    </Stack>
  );
}
