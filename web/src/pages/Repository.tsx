import { ActionIcon, Anchor, Badge, Checkbox, CopyButton, Group, Modal, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, call } from '../api';
import { ModalForm, useApiForm } from '../form';
import { Role, useMe } from '../me';
import { ErrorState, PagedTable, bytes, deleteColumn, time, useParam, usePagedQuery } from '../ui';

interface ProjectRow {
  projectId: number;
  projectName: string;
  public: boolean;
  imageCount: number;
  createTime: number;
  updateTime: number;
}
interface ImageRow {
  projectName: string;
  public: boolean;
  imageName: string;
  imageAddress: string;
  tagCount: number;
  createTime: number;
  updateTime: number;
}
interface TagRow {
  tag: string;
  digest: string;
  size: number;
  imageAddress: string;
  createTime: number;
  updateTime: number;
}

function Copy({ value, label }: { value: string; label: string }) {
  return (
    <CopyButton value={value}>
      {({ copied, copy }) => (
        <ActionIcon variant="subtle" onClick={copy} aria-label={`Copy ${label}`} title={copied ? 'Copied' : `Copy ${label}`}>
          {copied ? '✓' : '⧉'}
        </ActionIcon>
      )}
    </CopyButton>
  );
}

function CreateProject() {
  const me = useMe();
  const qc = useQueryClient();
  const f = useApiForm({
    initialValues: { projectName: '', public: !me.privateProject },
    submit: (body) => call(api.POST('/v1/repository/project', { body })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['projects'] }),
    resetOnSuccess: true,
  });
  return (
    <ModalForm f={f} button="Create project" title="Create a project" submit="Create">
      <TextInput label="Project name" {...f.form.getInputProps('projectName')} required />
      <Checkbox
        label="Public (anyone may pull)"
        {...f.form.getInputProps('public', { type: 'checkbox' })}
        disabled={!me.privateProject}
      />
    </ModalForm>
  );
}

function Projects() {
  const me = useMe();
  const canManage = me.role >= Role.businessAdmin;
  const qc = useQueryClient();
  const [name, setName] = useParam('projectName');
  const paged = usePagedQuery({
    key: ['projects', name],
    fetch: (page) =>
      call(
        api.GET('/v1/repository/project', {
          params: { query: { ...page, order: 'asc', ...(name ? { projectName: name } : {}) } },
        }),
      ),
  });
  const del = useMutation({
    mutationFn: async (p: ProjectRow) => call(api.DELETE('/v1/repository/project', { body: { projectId: [p.projectId] } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['projects'] }),
  });
  const columns: ColumnDef<ProjectRow, any>[] = [
    {
      header: 'Project',
      cell: (c) => (
        <Anchor component={Link} to={`/repository/${encodeURIComponent(c.row.original.projectName)}`}>
          {c.row.original.projectName}
        </Anchor>
      ),
    },
    {
      header: 'Access',
      cell: (c) => (
        <Badge variant="light" color={c.row.original.public ? 'blue' : 'gray'}>
          {c.row.original.public ? 'public' : 'private'}
        </Badge>
      ),
    },
    { header: 'Images', accessorKey: 'imageCount' },
    { header: 'Updated', cell: (c) => time(c.row.original.updateTime) },
    ...deleteColumn<ProjectRow>(canManage, {
      what: (p) => `project ${p.projectName}`,
      confirm: (p) => `Delete project ${p.projectName}?`,
      onDelete: (p) => del.mutate(p),
    }),
  ];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Repository</Title>
        {canManage && <CreateProject />}
      </Group>
      <TextInput label="Project name contains" value={name} onChange={(e) => setName(e.currentTarget.value)} w={220} />
      {del.isError && <ErrorState error={del.error} />}
      <PagedTable label="Projects" columns={columns} paged={paged} rowId={(r) => String(r.projectId)} empty="No projects yet." />
    </Stack>
  );
}

function Tags({ image, onClose }: { image: ImageRow | null; onClose: () => void }) {
  const me = useMe();
  const qc = useQueryClient();
  const paged = usePagedQuery({
    key: ['tags', image?.imageName],
    fetch: (page) =>
      call(api.GET('/v1/repository/image/tag', { params: { query: { ...page, order: 'desc', imageName: image!.imageName } } })),
    local: true,
    enabled: !!image,
  });
  const del = useMutation({
    mutationFn: async (t: TagRow) =>
      call(api.DELETE('/v1/repository/image/tag', { body: { imageName: image!.imageName, tag: [t.tag] } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['tags'] }),
  });
  const columns: ColumnDef<TagRow, any>[] = [
    { header: 'Tag', accessorKey: 'tag' },
    {
      header: 'Pull address',
      cell: (c) => (
        <Group gap={2} wrap="nowrap">
          <Text size="sm" ff="monospace">{`${c.row.original.imageAddress}:${c.row.original.tag}`}</Text>
          <Copy value={`${c.row.original.imageAddress}:${c.row.original.tag}`} label={`pull address of ${c.row.original.tag}`} />
        </Group>
      ),
    },
    { header: 'Size', cell: (c) => bytes(c.row.original.size) },
    { header: 'Pushed', cell: (c) => time(c.row.original.updateTime) },
    ...deleteColumn<TagRow>(me.role >= Role.businessAdmin, {
      what: (t) => `tag ${t.tag}`,
      confirm: (t) => `Delete tag ${t.tag}? The manifest it points to is removed too.`,
      onDelete: (t) => del.mutate(t),
    }),
  ];
  return (
    <Modal opened={!!image} onClose={onClose} title={`Tags of ${image?.imageName ?? ''}`} size="xl">
      {del.isError && <ErrorState error={del.error} />}
      <PagedTable label="Tags" columns={columns} paged={paged} rowId={(r) => r.tag} empty="No tags." />
    </Modal>
  );
}

function Images({ project }: { project: string }) {
  const me = useMe();
  const qc = useQueryClient();
  const [name, setName] = useParam('imageName');
  const [open, setOpen] = useState<ImageRow | null>(null);
  const paged = usePagedQuery({
    key: ['images', project, name],
    fetch: (page) =>
      call(
        api.GET('/v1/repository/image', {
          params: {
            query: { ...page, order: 'desc', orderBy: 'id', projectName: project, ...(name ? { imageName: name } : {}) },
          },
        }),
      ),
  });
  const del = useMutation({
    mutationFn: async (i: ImageRow) => call(api.DELETE('/v1/repository/image', { body: { imageName: [i.imageName] } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['images'] }),
  });
  const columns: ColumnDef<ImageRow, any>[] = [
    {
      header: 'Image',
      cell: (c) => (
        <Anchor component="button" onClick={() => setOpen(c.row.original)}>
          {c.row.original.imageName}
        </Anchor>
      ),
    },
    {
      header: 'Address',
      cell: (c) => (
        <Group gap={2} wrap="nowrap">
          <Text size="sm" ff="monospace">
            {c.row.original.imageAddress}
          </Text>
          <Copy value={c.row.original.imageAddress} label={`address of ${c.row.original.imageName}`} />
        </Group>
      ),
    },
    { header: 'Tags', accessorKey: 'tagCount' },
    { header: 'Updated', cell: (c) => time(c.row.original.updateTime) },
    ...deleteColumn<ImageRow>(me.role >= Role.businessAdmin, {
      what: (i) => i.imageName,
      confirm: (i) => `Delete ${i.imageName} with every tag?`,
      onDelete: (i) => del.mutate(i),
    }),
  ];
  return (
    <Stack>
      <Anchor component={Link} to="/repository">
        ← Projects
      </Anchor>
      <Title order={1}>Project {project}</Title>
      <TextInput label="Image name contains" value={name} onChange={(e) => setName(e.currentTarget.value)} w={220} />
      {del.isError && <ErrorState error={del.error} />}
      <PagedTable
        label="Images"
        columns={columns}
        paged={paged}
        rowId={(r) => r.imageName}
        empty={`No images in ${project}: docker push ${'<registry>'}/${project}/<name>:<tag> to add one.`}
      />
      <Tags image={open} onClose={() => setOpen(null)} />
    </Stack>
  );
}

export default function Repository() {
  const project = useParams().project;
  return project ? <Images project={project} /> : <Projects />;
}

export { Copy };
export type { ImageRow, ProjectRow, TagRow };
