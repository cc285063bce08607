import { Alert, Paper, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { api, call } from '../api';
import { ApiFormView, useApiForm } from '../form';
import { ROLE_NAMES, Role, useMe } from '../me';
import { NewPasswordInput } from './SignIn';

function ChangePassword() {
  const f = useApiForm({
    initialValues: { oldPassword: '', password: '' },
    submit: (body) => call(api.PUT('/v1/user', { body })),
    resetOnSuccess: true,
  });
  return (
    <ApiFormView
      f={f}
      label="Change password"
      title="Change password"
      submit="Change password"
      success="Password changed; your other sessions were signed out."
      framed
    >
      <PasswordInput label="Current password" autoComplete="current-password" {...f.form.getInputProps('oldPassword')} required />
      <NewPasswordInput label="New password" {...f.form.getInputProps('password')} />
    </ApiFormView>
  );
}

function RegistryAccount() {
  const me = useMe();
  const qc = useQueryClient();
  const f = useApiForm({
    initialValues: { user: '', password: '' },
    submit: ({ user, password }) =>
      me.hasRepoAccount
        ? call(api.PUT('/v1/repository/user/password', { body: { password } }))
        : call(api.POST('/v1/repository/user', { body: { user, password } })),
    onSuccess: () => {
      f.form.setFieldValue('password', '');
      void qc.invalidateQueries({ queryKey: ['me'] });
    },
  });
  return (
    <ApiFormView
      f={f}
      label="Registry account"
      title="Registry account"
      submit={me.hasRepoAccount ? 'Change registry password' : 'Create registry account'}
      success="Saved."
      framed
    >
      <Text size="sm" c="dimmed">
        {me.hasRepoAccount
          ? 'You have a registry account (docker login with it). Set a new password:'
          : 'Create your account for docker push and pull.'}
      </Text>
      {!me.hasRepoAccount && <TextInput label="Registry user name" {...f.form.getInputProps('user')} required />}
      <PasswordInput label="Registry password" autoComplete="new-password" {...f.form.getInputProps('password')} required />
    </ApiFormView>
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
