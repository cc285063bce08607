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
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api, call, fieldError, formError } from '../api';
import { Role, useMe } from '../me';
import { ErrorState, Loading, ReadyBadge } from '../ui';
import type { AppDetailData } from './AppDetail';

interface Form {
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
}

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

/** The body of POST/PUT /v1/app from the form (only fields the user set). */
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
function ImagePicker({ form, set, error }: { form: Form; set: (p: Partial<Form>) => void; error: unknown }) {
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
          error={fieldError(error, 'tag')}
        />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs">
        <TextInput
          label="Image reference"
          value={form.image}
          onChange={(e) => set({ image: e.currentTarget.value })}
          error={fieldError(error, 'image')}
          description="project/repo, or a full reference"
          required
        />
        <TextInput label="Tag (typed)" value={form.tag} onChange={(e) => set({ tag: e.currentTarget.value })} required />
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
  const [form, setForm] = useState<Form>(EMPTY);
  const set = (p: Partial<Form>) => setForm((f) => ({ ...f, ...p }));
  const existing = useQuery({
    queryKey: ['app', id],
    queryFn: async () =>
      (await call(api.GET('/v1/app/{id}', { params: { path: { id: id! } } }))).data as unknown as AppDetailData,
    enabled: id !== null,
  });
  useEffect(() => {
    if (existing.data) setForm(fromSpec(existing.data.appName, existing.data.spec));
  }, [existing.data]);
  const labels = useQuery({
    queryKey: ['cluster-labels'],
    queryFn: async () => (await call(api.GET('/v1/cluster/label'))).data,
  });
  const nodeLabels = useQuery({
    queryKey: ['node-labels', ''],
    queryFn: async () => (await call(api.GET('/v1/node/label', { params: { query: {} } }))).data,
  });
  const save = useMutation({
    mutationFn: async () => {
      const body = toBody(form, me.role === Role.systemAdmin && id === null);
      if (id === null) return (await call(api.POST('/v1/app', { body: body as never }))).data;
      await call(api.PUT('/v1/app/{id}', { params: { path: { id } }, body: body as never }));
      return { id };
    },
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ['apps'] });
      void qc.invalidateQueries({ queryKey: ['app', r.id] });
      void navigate(`/apps/${r.id}`);
    },
  });
  if (id !== null && existing.isError) return <ErrorState error={existing.error} />;
  if (id !== null && !existing.data) return <Loading />;
  const e = save.error;
  const shown = [
    'appName',
    'description',
    'image',
    'tag',
    'replicas',
    'ports',
    'env',
    'cpu',
    'memory',
    'clusterLabel',
    'nodeLabel',
    'rollout',
    'businessId',
  ];
  const err = formError(e, shown);
  return (
    <Stack>
      <Anchor component={Link} to={id ? `/apps/${id}` : '/apps'}>
        ← Back
      </Anchor>
      <Title order={1}>{id ? `Edit ${form.appName}` : 'New application'}</Title>
      <Text size="sm" c="dimmed">
        {me.enableAdminAutoDeploy && me.role >= Role.businessAdmin
          ? 'As an administrator your revision is approved at once.'
          : 'A system administrator reviews each revision before it runs.'}
      </Text>
      <form
        aria-label="Application"
        onSubmit={(ev) => {
          ev.preventDefault();
          save.mutate();
        }}
      >
        <Stack>
          {err && (
            <Alert color="red" role="alert">
              {err}
            </Alert>
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label="Name"
              value={form.appName}
              onChange={(ev) => set({ appName: ev.currentTarget.value })}
              error={fieldError(e, 'appName')}
              disabled={id !== null}
              required
            />
            {me.role === Role.systemAdmin && id === null && (
              <NumberInput
                label="Business id"
                value={form.businessId}
                onChange={(v) => set({ businessId: v })}
                error={fieldError(e, 'businessId')}
                min={1}
                required
              />
            )}
          </SimpleGrid>
          <Textarea
            label="Description"
            value={form.description}
            onChange={(ev) => set({ description: ev.currentTarget.value })}
            error={fieldError(e, 'description')}
          />
          <ImagePicker form={form} set={set} error={e} />
          <SimpleGrid cols={{ base: 2, sm: 4 }}>
            <NumberInput
              label="Replicas per cluster"
              value={form.replicas}
              onChange={(v) => set({ replicas: v })}
              min={0}
              max={100}
              error={fieldError(e, 'replicas')}
            />
            <NumberInput
              label="CPU (cores)"
              value={form.cpu}
              onChange={(v) => set({ cpu: v })}
              min={0}
              step={0.1}
              decimalScale={3}
              error={fieldError(e, 'cpu')}
            />
            <NumberInput
              label="Memory (MiB)"
              value={form.memoryMiB}
              onChange={(v) => set({ memoryMiB: v })}
              min={1}
              error={fieldError(e, 'memory')}
            />
            <TextInput
              label="Container ports"
              placeholder="80,443"
              value={form.ports}
              onChange={(ev) => set({ ports: ev.currentTarget.value })}
              error={fieldError(e, 'ports')}
            />
          </SimpleGrid>
          <Textarea
            label="Environment (NAME=value per line)"
            value={form.env}
            onChange={(ev) => set({ env: ev.currentTarget.value })}
            error={fieldError(e, 'env')}
            autosize
            minRows={2}
          />
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Select
              label="Cluster label"
              data={['all', ...(labels.data ?? [])]}
              value={form.clusterLabel}
              onChange={(v) => set({ clusterLabel: v ?? 'all' })}
              error={fieldError(e, 'clusterLabel')}
              searchable
              allowDeselect={false}
            />
            <Select
              label="Node label (optional)"
              data={nodeLabels.data ?? []}
              value={form.nodeLabel || null}
              onChange={(v) => set({ nodeLabel: v ?? '' })}
              error={fieldError(e, 'nodeLabel')}
              searchable
              clearable
            />
            <NumberInput
              label="Rollout batch size (clusters)"
              value={form.batchSize}
              onChange={(v) => set({ batchSize: v })}
              min={1}
              error={fieldError(e, 'rollout')}
              description="empty: all at once"
            />
          </SimpleGrid>
          <PlacementPreview clusterLabel={form.clusterLabel} />
          <Group>
            <Button type="submit" loading={save.isPending}>
              {id ? 'Submit new revision' : 'Create application'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
