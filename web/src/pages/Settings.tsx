import { Paper, Stack, Switch, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../api';
import { ErrorState, Loading } from '../ui';

type Flags = { privateProject: boolean; enableIngress: boolean; enableAlert: boolean; enableAdminAutoDeploy: boolean };

const LABELS: Record<keyof Flags, string> = {
  privateProject: 'Private projects allowed',
  enableIngress: 'Ingress for applications',
  enableAlert: 'Alerts',
  enableAdminAutoDeploy: 'Applications of admins deploy without review',
};

export default function Settings() {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['settings'], queryFn: async () => (await call(api.GET('/v1/admin/setting'))).data });
  const save = useMutation({
    mutationFn: async (patch: Partial<Flags>) => call(api.PUT('/v1/admin/setting', { body: patch })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['settings'] });
      void qc.invalidateQueries({ queryKey: ['me'] });
    },
  });
  return (
    <Stack>
      <Title order={1}>Platform settings</Title>
      {q.isPending && <Loading />}
      {q.isError && <ErrorState error={q.error} retry={() => q.refetch()} />}
      {save.isError && <ErrorState error={save.error} />}
      {q.data && (
        <Paper withBorder p="md">
          <Stack>
            {(Object.keys(LABELS) as (keyof Flags)[]).map((k) => (
              <Switch
                key={k}
                label={LABELS[k]}
                checked={q.data[k]}
                disabled={save.isPending}
                onChange={(e) => save.mutate({ [k]: e.currentTarget.checked })}
              />
            ))}
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}
