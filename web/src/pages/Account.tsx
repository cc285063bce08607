import { Alert, Button, Paper, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, call, fieldError, formError } from '../api';
import { ROLE_NAMES, Role, useMe } from '../me';
import { PasswordPolicy } from './SignIn';

function ChangePassword() {
  const [oldPassword, setOld] = useState('');
  const [password, setPassword] = useState('');
  const change = useMutation({
    mutationFn: async () => call(api.PUT('/v1/user', { body: { oldPassword, password } })),
    onSuccess: () => {
      setOld('');
      setPassword('');
    },
  });
  const err = formError(change.error, ['oldPassword', 'password']);
  return (
    <Paper
      withBorder
      p="md"
      component="form"
      aria-label="Change password"
      onSubmit={(e) => {
        e.preventDefault();
        change.mutate();
      }}
    >
      <Stack>
        <Title order={2} size="h4">
          Change password
        </Title>
        {change.isSuccess && (
          <Alert color="teal.9" role="status">
            Password changed; your other sessions were signed out.
          </Alert>
        )}
        {err && (
          <Alert color="red" role="alert">
            {err}
          </Alert>
        )}
        <PasswordInput
          label="Current password"
          autoComplete="current-password"
          value={oldPassword}
          onChange={(e) => setOld(e.currentTarget.value)}
          error={fieldError(change.error, 'oldPassword')}
          required
        />
        <PasswordInput
          label="New password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={fieldError(change.error, 'password')}
          aria-describedby="new-password-policy"
          required
        />
        <PasswordPolicy value={password} id="new-password-policy" />
        <Button type="submit" loading={change.isPending}>
          Change password
        </Button>
      </Stack>
    </Paper>
  );
}

function RegistryAccount() {
  const me = useMe();
  const qc = useQueryClient();
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const save = useMutation({
    mutationFn: async () =>
      me.hasRepoAccount
        ? call(api.PUT('/v1/repository/user/password', { body: { password } }))
        : call(api.POST('/v1/repository/user', { body: { user, password } })),
    onSuccess: () => {
      setPassword('');
      void qc.invalidateQueries({ queryKey: ['me'] });
    },
  });
  const err = formError(save.error, ['user', 'password']);
  return (
    <Paper
      withBorder
      p="md"
      component="form"
      aria-label="Registry account"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Stack>
        <Title order={2} size="h4">
          Registry account
        </Title>
        <Text size="sm" c="dimmed">
          {me.hasRepoAccount
            ? 'You have a registry account (docker login with it). Set a new password:'
            : 'Create your account for docker push and pull.'}
        </Text>
        {save.isSuccess && (
          <Alert color="teal.9" role="status">
            Saved.
          </Alert>
        )}
        {err && (
          <Alert color="red" role="alert">
            {err}
          </Alert>
        )}
        {!me.hasRepoAccount && (
          <TextInput
            label="Registry user name"
            value={user}
            onChange={(e) => setUser(e.currentTarget.value)}
            error={fieldError(save.error, 'user')}
            required
          />
        )}
        <PasswordInput
          label="Registry password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={fieldError(save.error, 'password')}
          required
        />
        <Button type="submit" loading={save.isPending}>
          {me.hasRepoAccount ? 'Change registry password' : 'Create registry account'}
        </Button>
      </Stack>
    </Paper>
  );
}

export default function Account() {
  const me = useMe();
  return (
    <Stack>
      <Title order={1}>My account</Title>
      {me.role === Role.pending && (
        <Alert color="yellow" title="Waiting for approval">
          A system administrator has not approved your registration yet. You can change your password meanwhile.
        </Alert>
      )}
      <Paper withBorder p="md">
        <Text>
          Signed in as <b>{me.displayName}</b> — {ROLE_NAMES[me.role]}
          {me.businessId !== null ? `, business ${me.businessId}` : ''}
        </Text>
      </Paper>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <ChangePassword />
        {me.role >= Role.member && <RegistryAccount />}
      </SimpleGrid>
    </Stack>
  );
}
