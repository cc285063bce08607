import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { operations } from '../../../client/schema';
import { ApiError, api, call } from '../api';
import { FormMessage, useApiForm, useApiSubmit } from '../form';
import { Role, useMe } from '../me';
import { ClusterPreview } from '../preview';
import { ErrorState, Loading, ReadyBadge } from '../ui';
import type { AppDetailData } from './AppDetail';

type Form = {
  appName: string;
  description: string;
  image: string;
  tag: string;
  replicas: number | string;
  ports: string;
  env: string;
  cpu: number | string;
  memoryMiB: number | string;
  clusterLabel: string;
  nodeLabel: string;
  batchSize: number | string;
  businessId: number | string;
};

const EMPTY: Form = {
  appName: '',
  description: '',
  image: '',
  tag: '',
  replicas: 1,
  ports: '',
  env: '',
  cpu: '',
  memoryMiB: '',
  clusterLabel: 'all',
  nodeLabel: '',
  batchSize: '',
  businessId: '',
};

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function fromSpec(name: string, s: Record<string, unknown>): Form {
  const env = (s.env ?? {}) as Record<string, string>;
  const rollout = (s.rollout ?? {}) as { batchSize?: number };
  return {
    ...EMPTY,
    appName: name,
    description: str(s.description),
    image: str(s.image),
    tag: str(s.tag),
    replicas: Number(s.replicas ?? 1),
    ports: ((s.ports ?? []) as { containerPort: number }[]).map((p) => p.containerPort).join(','),
    env: Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    cpu: (s.cpu as number | undefined) ?? '',
    memoryMiB: typeof s.memory === 'number' ? s.memory / 2 ** 20 : '',
    clusterLabel: str(s.clusterLabel) || 'all',
    nodeLabel: str(s.nodeLabel),
    batchSize: rollout.batchSize ?? '',
  };
}

type CreateBody = operations['createApp']['requestBody']['content']['application/json'];

/** API fields the form names otherwise: a 422 about them lands on these inputs. */
const FIELD_NAMES = { memory: 'memoryMiB', rollout: 'batchSize' };

/** The body of POST/PUT /v1/app (and of the preview) from the form (only fields the user set). */
function toBody(f: Form, withBusiness: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    appName: f.appName,
    description: f.description,
    image: f.image,
    tag: f.tag,
    replicas: Number(f.replicas),
    clusterLabel: f.clusterLabel || 'all',
  };
  const ports = f.ports
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (ports.length) body.ports = ports.map((p) => ({ containerPort: Number(p), protocol: 'TCP' }));
  const env = f.env
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (env.length)
    body.env = Object.fromEntries(
      env.map((l) => [
        l.slice(0, l.indexOf('=') < 0 ? l.length : l.indexOf('=')),
        l.indexOf('=') < 0 ? '' : l.slice(l.indexOf('=') + 1),
      ]),
    );
  if (f.cpu !== '') body.cpu = Number(f.cpu);
  if (f.memoryMiB !== '') body.memory = Math.round(Number(f.memoryMiB) * 2 ** 20);
  if (f.nodeLabel) body.nodeLabel = f.nodeLabel;
  if (f.batchSize !== '') body.rollout = { batchSize: Number(f.batchSize) };
  if (withBusiness && f.businessId !== '') body.businessId = Number(f.businessId);
  return body;
}

/** Project → image → tag, from the platform registry; a full reference can be typed instead. */
function ImagePicker({ f }: { f: UseFormReturnType<Form> }) {
  const form = f.values;
  const set = (p: Partial<Form>) => f.setValues(p);
  const [project, setProject] = useState<string | null>(
    form.image.includes('/') && !form.image.split('/')[0].includes('.') ? form.image.split('/')[0] : null,
  );
  const projects = useQuery({
    queryKey: ['pick-projects'],
    queryFn: async () =>
      (
        (await call(api.GET('/v1/repository/project', { params: { query: { page: 1, pageSize: 100, order: 'asc' } } }))).data as {
          projectName: string;
        }[]
      ).map((p) => p.projectName),
    retry: false,
  });
  const images = useQuery({
    queryKey: ['pick-images', project],
    queryFn: async () =>
      (
        (
          await call(
            api.GET('/v1/repository/image', {
              params: { query: { page: 1, pageSize: 100, order: 'asc', orderBy: 'id', projectName: project! } },
            }),
          )
        ).data as { imageName: string }[]
      ).map((i) => i.imageName),
    enabled: !!project,
  });
  const tags = useQuery({
    queryKey: ['pick-tags', form.image],
    queryFn: async () =>
      (
        (
          await call(
            api.GET('/v1/repository/image/tag', {
              params: { query: { page: 1, pageSize: 100, order: 'desc', imageName: form.image } },
            }),
          )
        ).data as { tag: string }[]
      ).map((t) => t.tag),
    enabled: !!project && (images.data ?? []).includes(form.image),
  });
  const noRegistry = projects.error instanceof ApiError && projects.error.status === 503;
  return (
    <Paper withBorder p="sm">
      <Text fw={600} size="sm" mb="xs">
        Image
      </Text>
      {noRegistry && (
        <Text size="sm" c="dimmed">
          No platform registry is configured: type a full image reference.
        </Text>
      )}
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        {!noRegistry && (
          <Select
            label="Project"
            data={projects.data ?? []}
            value={project}
            onChange={(v) => {
              setProject(v);
              set({ image: '', tag: '' });
            }}
            searchable
            clearable
          />
        )}
        {!noRegistry && (
          <Select
            label="Image from the registry"
            data={images.data ?? []}
            value={(images.data ?? []).includes(form.image) ? form.image : null}
            onChange={(v) => set({ image: v ?? '', tag: '' })}
            disabled={!project}
            searchable
          />
        )}
        <Select
          label="Tag"
          data={tags.data ?? []}
          value={form.tag || null}
          onChange={(v) => set({ tag: v ?? '' })}
          disabled={!tags.data}
          searchable
          error={f.errors.tag}
        />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs">
        <TextInput
          label="Image reference"
          {...f.getInputProps('image')}
          description="project/repo, or a full reference"
          required
        />
        <TextInput label="Tag (typed)" {...f.getInputProps('tag', { withError: false })} required />
      </SimpleGrid>
    </Paper>
  );
}

/** Where the application would run now: the clusters its label selects (server-paged, first 10). */
function PlacementPreview({ clusterLabel }: { clusterLabel: string }) {
  const [label] = useDebouncedValue(clusterLabel || 'all', 300);
  const q = useQuery({
    queryKey: ['placement', label],
    queryFn: async () => {
      const r = await call(
        api.GET('/v1/cluster', { params: { query: { page: 1, pageSize: 10, order: 'asc', clusterLabel: label } } }),
      );
      return { rows: r.data, total: r.total };
    },
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
  return (
    <Paper withBorder p="sm" aria-label="Placement preview" component="section" data-testid="placement-preview">
      <Text fw={600} size="sm">
        Placement preview
      </Text>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} />
      ) : (
        <>
          <Text size="sm" aria-live="polite">
            {q.data.total === 0
              ? label === 'all'
                ? 'No cluster is registered yet: it will deploy when one joins.'
                : `No cluster carries the label "${label}" yet: it will deploy when one does.`
              : `Would be placed on ${q.data.total} cluster(s)${q.data.total > 10 ? ' (first 10 shown)' : ''}:`}
          </Text>
          <Group gap="xs" mt={4}>
            {q.data.rows.map((c) => (
              <Group key={c.clusterName} gap={2} wrap="nowrap">
                <Badge variant="outline">{c.clusterName}</Badge>
                <ReadyBadge ready={c.isReady} paused={c.paused} />
              </Group>
            ))}
          </Group>
        </>
      )}
    </Paper>
  );
}

export default function AppForm() {
  const idParam = useParams().id;
  const id = idParam ? Number(idParam) : null;
  const me = useMe();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const existing = useQuery({
    queryKey: ['app', id],
    queryFn: async () => (await call(api.GET('/v1/app/{id}', { params: { path: { id: id! } } }))).data as AppDetailData,
    enabled: id !== null,
  });
  const isSystem = me.role === Role.systemAdmin;
  const f = useApiForm({
    initialValues: EMPTY,
    submit: async (values) => {
      const body = toBody(values, isSystem && id === null) as CreateBody;
      if (id === null) return (await call(api.POST('/v1/app', { body }))).data;
      await call(api.PUT('/v1/app/{id}', { params: { path: { id } }, body }));
      return { id };
    },
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ['apps'] });
      void qc.invalidateQueries({ queryKey: ['app', r.id] });
      void navigate(`/apps/${r.id}`);
    },
    fieldNames: FIELD_NAMES,
  });
  // The author's preview (POST /v1/app/preview): the same body, the same field errors, nothing stored.
  const preview = useApiSubmit(f.form, {
    submit: async (values: Form) => {
      const body = toBody(values, isSystem && id === null);
      // The system administrator previews for a business: the application's own when editing.
      if (isSystem && id !== null && existing.data) body.businessId = existing.data.businessId;
      return {
        body: JSON.stringify(body),
        clusters: (await call(api.POST('/v1/app/preview', { body: body as CreateBody }))).data.clusters,
      };
    },
    fieldNames: FIELD_NAMES,
  });
  const { initialize } = f.form;
  useEffect(() => {
    if (existing.data) initialize(fromSpec(existing.data.appName, existing.data.spec));
  }, [existing.data, initialize]);
  const labels = useQuery({
    queryKey: ['cluster-labels'],
    queryFn: async () => (await call(api.GET('/v1/cluster/label'))).data,
  });
  const nodeLabels = useQuery({
    queryKey: ['node-labels', ''],
    queryFn: async () => (await call(api.GET('/v1/node/label', { params: { query: {} } }))).data,
  });
  if (id !== null && existing.isError) return <ErrorState error={existing.error} />;
  if (id !== null && !existing.data) return <Loading />;
  const input = f.form.getInputProps;
  const shown = preview.mutation.data;
  const stale = shown !== undefined && shown.body !== JSON.stringify(toBody(f.form.values, isSystem && id === null));
  return (
    <Stack>
      <Anchor component={Link} to={id ? `/apps/${id}` : '/apps'}>
        ← Back
      </Anchor>
      <Title order={1}>{id ? `Edit ${f.form.values.appName}` : 'New application'}</Title>
      <Text size="sm" c="dimmed">
        {me.enableAdminAutoDeploy && me.role >= Role.businessAdmin
          ? 'As an administrator your revision is approved at once.'
          : 'A system administrator reviews each revision before it runs.'}
      </Text>
      <form aria-label="Application" onSubmit={f.handler()}>
        <Stack>
          <FormMessage message={f.message ?? preview.message} />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Name" {...input('appName')} disabled={id !== null} required />
            {isSystem && id === null && <NumberInput label="Business id" {...input('businessId')} min={1} required />}
          </SimpleGrid>
          <Textarea label="Description" {...input('description')} />
          <ImagePicker f={f.form} />
          <SimpleGrid cols={{ base: 2, sm: 4 }}>
            <NumberInput label="Replicas per cluster" {...input('replicas')} min={0} max={100} />
            <NumberInput label="CPU (cores)" {...input('cpu')} min={0} step={0.1} decimalScale={3} />
            <NumberInput label="Memory (MiB)" {...input('memoryMiB')} min={1} />
            <TextInput label="Container ports" placeholder="80,443" {...input('ports')} />
          </SimpleGrid>
          <Textarea label="Environment (NAME=value per line)" {...input('env')} autosize minRows={2} />
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Select
              label="Cluster label"
              data={['all', ...(labels.data ?? [])]}
              {...input('clusterLabel')}
              onChange={(v: string | null) => f.form.setFieldValue('clusterLabel', v ?? 'all')}
              searchable
              allowDeselect={false}
            />
            <Select
              label="Node label (optional)"
              data={nodeLabels.data ?? []}
              {...input('nodeLabel')}
              value={f.form.values.nodeLabel || null}
              onChange={(v: string | null) => f.form.setFieldValue('nodeLabel', v ?? '')}
              searchable
              clearable
            />
            <NumberInput label="Rollout batch size (clusters)" {...input('batchSize')} min={1} description="empty: all at once" />
          </SimpleGrid>
          <PlacementPreview clusterLabel={f.form.values.clusterLabel} />
          <Group>
            <Button type="submit" loading={f.mutation.isPending}>
              {id ? 'Submit new revision' : 'Create application'}
            </Button>
            <Button variant="default" loading={preview.mutation.isPending} onClick={() => preview.run()}>
              Preview objects per cluster
            </Button>
          </Group>
        </Stack>
      </form>
      {shown && (
        <Paper withBorder p="md" component="section" aria-label="Objects per cluster">
          <Title order={2} size="h4" mb="xs">
            What would run on each cluster now
          </Title>
          {stale && (
            <Alert color="yellow" mb="sm" role="status">
              The form changed since this preview: preview again to see the change.
            </Alert>
          )}
          <ClusterPreview clusters={shown.clusters} label="Objects per cluster" />
        </Paper>
      )}
    </Stack>
  );
}
