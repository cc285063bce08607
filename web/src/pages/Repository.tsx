import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  CopyButton,
  Group,
  Modal,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, call, fieldError, formError } from '../api';
import { Role, useMe } from '../me';
import { DataTable, bytes, time, useParam, usePaging } from '../ui';

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
  const [open, setOpen] = useState(false);
  const [projectName, setName] = useState('');
  const [pub, setPub] = useState(!me.privateProject);
  const create = useMutation({
    mutationFn: async () => call(api.POST('/v1/repository/project', { body: { projectName, public: pub } as never })),
    onSuccess: () => {
      setOpen(false);
      setName('');
      void qc.invalidateQueries({ queryKey: ['projects'] });
    },
  });
  const err = formError(create.error, ['projectName', 'public']);
  return (
    <>
      <Button onClick={() => setOpen(true)}>Create project</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Create a project">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Stack>
            {err && (
              <Alert color="red" role="alert">
                {err}
              </Alert>
            )}
            <TextInput
              label="Project name"
              value={projectName}
              onChange={(e) => setName(e.currentTarget.value)}
              error={fieldError(create.error, 'projectName')}
              required
            />
            <Checkbox
              label="Public (anyone may pull)"
              checked={pub}
              onChange={(e) => setPub(e.currentTarget.checked)}
              error={fieldError(create.error, 'public')}
              disabled={!me.privateProject}
            />
            <Button type="submit" loading={create.isPending}>
              Create
            </Button>
          </Stack>
        </form>
      </Modal>
    </>
  );
}

function Projects() {
  const me = useMe();
  const canManage = me.role >= Role.businessAdmin;
  const qc = useQueryClient();
  const paging = usePaging(20);
  const [name, setName] = useParam('projectName');
  const [err, setErr] = useState<string | null>(null);
  const query = useQuery({
    queryKey: ['projects', paging.page, paging.pageSize, name],
    queryFn: async () => {
      const r = await call(
        api.GET('/v1/repository/project', {
          params: {
            query: { page: paging.page, pageSize: paging.pageSize, order: 'asc', ...(name ? { projectName: name } : {}) },
          },
        }),
      );
      return { rows: r.data, total: r.total };
    },
    placeholderData: keepPreviousData,
  });
  const del = useMutation({
    mutationFn: async (p: ProjectRow) => call(api.DELETE('/v1/repository/project', { body: { projectId: [p.projectId] } })),
    onSuccess: () => {
      setErr(null);
      void qc.invalidateQueries({ queryKey: ['projects'] });
    },
    onError: (e) => setErr(e.message),
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
    ...(canManage
      ? [
          {
            id: 'del',
            header: 'Actions',
            cell: ({ row }: { row: { original: ProjectRow } }) => (
              <Button
                size="xs"
                color="red"
                variant="subtle"
                onClick={() => window.confirm(`Delete project ${row.original.projectName}?`) && del.mutate(row.original)}
                aria-label={`Delete project ${row.original.projectName}`}
              >
                Delete
              </Button>
            ),
          },
        ]
      : []),
  ];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Repository</Title>
        {canManage && <CreateProject />}
      </Group>
      <TextInput label="Project name contains" value={name} onChange={(e) => setName(e.currentTarget.value)} w={220} />
      {err && (
        <Alert color="red" role="alert">
          {err}
        </Alert>
      )}
      <DataTable
        label="Projects"
        columns={columns}
        query={query}
        paging={paging}
        rowId={(r) => String(r.projectId)}
        empty="No projects yet."
      />
    </Stack>
  );
}

function Tags({ image, onClose }: { image: ImageRow | null; onClose: () => void }) {
  const me = useMe();
  const qc = useQueryClient();
  const [page, setPage] = useState(1);
  const query = useQuery({
    queryKey: ['tags', image?.imageName, page],
    queryFn: async () => {
      const r = await call(
        api.GET('/v1/repository/image/tag', {
          params: { query: { page, pageSize: 20, order: 'desc', imageName: image!.imageName } },
        }),
      );
      return { rows: r.data, total: r.total };
    },
    enabled: !!image,
  });
  const del = useMutation({
    mutationFn: async (t: TagRow) =>
      call(api.DELETE('/v1/repository/image/tag', { body: { imageName: image!.imageName, tag: [t.tag] } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['tags'] }),
  });
  const paging = { page, pageSize: 20, setPage, setPageSize: () => {} };
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
    ...(me.role >= Role.businessAdmin
      ? [
          {
            id: 'del',
            header: 'Actions',
            cell: ({ row }: { row: { original: TagRow } }) => (
              <Button
                size="xs"
                color="red"
                variant="subtle"
                onClick={() =>
                  window.confirm(`Delete tag ${row.original.tag}? The manifest it points to is removed too.`) &&
                  del.mutate(row.original)
                }
              >
                Delete
              </Button>
            ),
          },
        ]
      : []),
  ];
  return (
    <Modal opened={!!image} onClose={onClose} title={`Tags of ${image?.imageName ?? ''}`} size="xl">
      {del.isError && (
        <Alert color="red" role="alert">
          {del.error.message}
        </Alert>
      )}
      <DataTable label="Tags" columns={columns} query={query} paging={paging} rowId={(r) => r.tag} empty="No tags." />
    </Modal>
  );
}

function Images({ project }: { project: string }) {
  const me = useMe();
  const qc = useQueryClient();
  const paging = usePaging(20);
  const [name, setName] = useParam('imageName');
  const [open, setOpen] = useState<ImageRow | null>(null);
  const query = useQuery({
    queryKey: ['images', project, paging.page, paging.pageSize, name],
    queryFn: async () => {
      const r = await call(
        api.GET('/v1/repository/image', {
          params: {
            query: {
              page: paging.page,
              pageSize: paging.pageSize,
              order: 'desc',
              orderBy: 'id',
              projectName: project,
              ...(name ? { imageName: name } : {}),
            },
          },
        }),
      );
      return { rows: r.data, total: r.total };
    },
    placeholderData: keepPreviousData,
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
    ...(me.role >= Role.businessAdmin
      ? [
          {
            id: 'del',
            header: 'Actions',
            cell: ({ row }: { row: { original: ImageRow } }) => (
              <Button
                size="xs"
                color="red"
                variant="subtle"
                onClick={() => window.confirm(`Delete ${row.original.imageName} with every tag?`) && del.mutate(row.original)}
              >
                Delete
              </Button>
            ),
          },
        ]
      : []),
  ];
  return (
    <Stack>
      <Anchor component={Link} to="/repository">
        ← Projects
      </Anchor>
      <Title order={1}>Project {project}</Title>
      <TextInput label="Image name contains" value={name} onChange={(e) => setName(e.currentTarget.value)} w={220} />
      {del.isError && (
        <Alert color="red" role="alert">
          {del.error.message}
        </Alert>
      )}
      <DataTable
        label="Images"
        columns={columns}
        query={query}
        paging={paging}
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
