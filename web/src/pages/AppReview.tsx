import { Alert, Anchor, Button, Group, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { api, call } from '../api';
import { FormMessage, useApiForm } from '../form';
import { ClusterPreview, RevisionDiff } from '../preview';
import { ErrorState, Loading, StateBadge } from '../ui';
import type { AppDetailData, RevisionRow } from './AppDetail';

/** Per cluster, what approving `revision` would change (GET /v1/app/{id}/preview, API.md §8.1). */
function RevisionPreview({ id, revision }: { id: number; revision: number }) {
  const preview = useQuery({
    queryKey: ['app-preview', id, revision],
    queryFn: async () =>
      (await call(api.GET('/v1/app/{id}/preview', { params: { path: { id }, query: { revision } } }))).data.clusters,
  });
  if (preview.isPending) return <Loading label="Rendering the objects per cluster" />;
  if (preview.isError) return <ErrorState error={preview.error} retry={() => preview.refetch()} />;
  return <ClusterPreview clusters={preview.data} label={`What revision ${revision} would change per cluster`} />;
}

/**
 * The system admin reads a pending revision before approving it: its spec's diff against the
 * running revision, and per cluster the objects it would add, change or remove.
 */
export default function AppReview() {
  const id = Number(useParams().id);
  const qc = useQueryClient();
  const navigate = useNavigate();
  const app = useQuery({
    queryKey: ['app', id],
    queryFn: async () => (await call(api.GET('/v1/app/{id}', { params: { path: { id } } }))).data as AppDetailData,
  });
  const revisions = useQuery({
    queryKey: ['app-revisions', id],
    queryFn: async () => (await call(api.GET('/v1/app/{id}/revision', { params: { path: { id } } }))).data as RevisionRow[],
  });
  const decision = useApiForm<{ comment: string }, unknown, 1 | 2>({
    initialValues: { comment: '' },
    submit: ({ comment }, status) => call(api.PUT('/v1/app/{id}/audit', { params: { path: { id } }, body: { status, comment } })),
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
          <Paper withBorder p="md" component="section" aria-label="Preview per cluster">
            <Title order={2} size="h4" mb="sm">
              Preview per cluster
            </Title>
            <RevisionPreview id={id} revision={pending.revision} />
          </Paper>
          <Paper withBorder p="md" component="form" aria-label="Decision" onSubmit={(e) => e.preventDefault()}>
            <Stack>
              <FormMessage message={decision.message} />
              <Textarea label="Comment" {...decision.form.getInputProps('comment')} />
              <Group>
                <Button color="teal.9" loading={decision.mutation.isPending} onClick={() => decision.run(1)}>
                  Approve revision {pending.revision}
                </Button>
                <Button color="red" variant="light" loading={decision.mutation.isPending} onClick={() => decision.run(2)}>
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
