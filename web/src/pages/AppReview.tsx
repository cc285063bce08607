import { Alert, Anchor, Button, Code, Group, Paper, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, call, fieldError, formError } from '../api';
import { diffSpecs } from '../diff';
import { ErrorState, Loading, StateBadge, Scroll } from '../ui';
import type { AppDetailData, RevisionRow } from './AppDetail';

const show = (v: unknown) => (v === undefined ? '—' : JSON.stringify(v));

/** The diff of a pending revision against the running one (or against nothing, for a new application). */
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
    <Scroll label={`Changes from ${fromLabel} to ${toLabel} (scrolls sideways)`}>
      <Table miw={500} aria-label={`Changes from ${fromLabel} to ${toLabel}`} data-testid="revision-diff">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Field</Table.Th>
            <Table.Th>{fromLabel}</Table.Th>
            <Table.Th>{toLabel}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {changes.map((c) => (
            <Table.Tr key={c.path}>
              <Table.Td>
                <Code>{c.path}</Code>
              </Table.Td>
              <Table.Td c="red.9" style={{ wordBreak: 'break-all' }}>
                {show(c.from)}
              </Table.Td>
              <Table.Td c="teal.9" style={{ wordBreak: 'break-all' }}>
                {show(c.to)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Scroll>
  );
}

/**
 * The system admin reads a pending revision before approving it: its diff
 * against the running revision. The per-cluster preview of API.md §8.1
 * (GET /v1/app/{id}/preview) is shown once the API document offers it.
 */
export default function AppReview() {
  const id = Number(useParams().id);
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [comment, setComment] = useState('');
  const app = useQuery({
    queryKey: ['app', id],
    queryFn: async () => (await call(api.GET('/v1/app/{id}', { params: { path: { id } } }))).data as unknown as AppDetailData,
  });
  const revisions = useQuery({
    queryKey: ['app-revisions', id],
    queryFn: async () =>
      (await call(api.GET('/v1/app/{id}/revision', { params: { path: { id } } }))).data as unknown as RevisionRow[],
  });
  const audit = useMutation({
    mutationFn: async (status: 1 | 2) =>
      call(api.PUT('/v1/app/{id}/audit', { params: { path: { id } }, body: { status, comment } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['apps'] });
      void qc.invalidateQueries({ queryKey: ['app', id] });
      void navigate(`/apps/${id}`);
    },
  });
  if (app.isError) return <ErrorState error={app.error} />;
  if (revisions.isError) return <ErrorState error={revisions.error} />;
  if (!app.data || !revisions.data) return <Loading />;
  const a = app.data;
  const pending =
    revisions.data.find((r) => r.revision === a.pendingRevision) ?? revisions.data.find((r) => r.status === 'pending');
  const running = revisions.data.find((r) => r.revision === a.runningRevision);
  const err = formError(audit.error, ['comment']);
  return (
    <Stack>
      <Anchor component={Link} to="/reviews/apps">
        ← Review queue
      </Anchor>
      <Title order={1}>
        Review {a.appName}
        {pending ? ` revision ${pending.revision}` : ''}
      </Title>
      {!pending ? (
        <Alert color="gray">No revision of this application waits for review.</Alert>
      ) : (
        <>
          <Paper withBorder p="md">
            <Title order={2} size="h4" mb="sm">
              Changes {running ? `from the running revision ${running.revision}` : '(a new application: everything is new)'}
            </Title>
            <RevisionDiff
              from={running?.spec ?? {}}
              to={pending.spec}
              fromLabel={running ? `revision ${running.revision}` : 'nothing'}
              toLabel={`revision ${pending.revision}`}
            />
          </Paper>
          <Paper withBorder p="md">
            <Title order={2} size="h4" mb="sm">
              Preview per cluster
            </Title>
            <Alert color="gray" data-testid="preview-unavailable">
              Preview not available: this hub's API does not offer the per-cluster preview (GET /v1/app/&#123;id&#125;/preview)
              yet. The diff above shows every field that changes.
            </Alert>
          </Paper>
          <Paper withBorder p="md" component="form" aria-label="Decision" onSubmit={(e) => e.preventDefault()}>
            <Stack>
              {err && (
                <Alert color="red" role="alert">
                  {err}
                </Alert>
              )}
              <Textarea
                label="Comment"
                value={comment}
                onChange={(e) => setComment(e.currentTarget.value)}
                error={fieldError(audit.error, 'comment')}
              />
              <Group>
                <Button color="teal.9" loading={audit.isPending} onClick={() => audit.mutate(1)}>
                  Approve revision {pending.revision}
                </Button>
                <Button color="red" variant="light" loading={audit.isPending} onClick={() => audit.mutate(2)}>
                  Reject
                </Button>
              </Group>
            </Stack>
          </Paper>
        </>
      )}
      <Text size="sm">
        Status now: <StateBadge state={a.status} />
      </Text>
    </Stack>
  );
}
