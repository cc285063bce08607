import {
  Alert,
  Anchor,
  Checkbox,
  Container,
  List,
  Paper,
  PasswordInput,
  type PasswordInputProps,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useSyncExternalStore } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, call } from '../api';
import { ApiFormView, useApiForm } from '../form';
import { session } from '../session';

/** The password policy (API.md §1), checked as one types. */
export function passwordChecks(pw: string) {
  return [
    { ok: pw.length >= 8 && pw.length <= 20, label: '8-20 characters' },
    { ok: /[A-Z]/.test(pw), label: 'an uppercase letter' },
    { ok: /[a-z]/.test(pw), label: 'a lowercase letter' },
    { ok: /[0-9]/.test(pw), label: 'a digit' },
  ];
}

function PasswordPolicy({ value }: { value: string }) {
  return (
    <List size="xs" aria-live="polite" spacing={0} aria-label="Password policy">
      {passwordChecks(value).map((c) => (
        <List.Item key={c.label} c={c.ok ? 'teal.9' : 'dimmed'}>
          {c.ok ? '✓' : '○'} {c.label}
        </List.Item>
      ))}
    </List>
  );
}

/** A new password's input, with the policy checked as one types under it. */
export function NewPasswordInput(props: PasswordInputProps) {
  return (
    <>
      <PasswordInput label="Password" autoComplete="new-password" {...props} required />
      <PasswordPolicy value={typeof props.value === 'string' ? props.value : ''} />
    </>
  );
}

export function LoginPage({ next }: { next: string }) {
  const notice = useSyncExternalStore(session.subscribe, session.notice);
  const navigate = useNavigate();
  const f = useApiForm({
    initialValues: { user: '', password: '' },
    submit: async (body) => (await call(api.POST('/v1/authorization', { body }))).token,
    onSuccess: (token) => {
      session.start(token);
      void navigate(next, { replace: true });
    },
  });
  return (
    <Container size={420} py="xl">
      <main>
        <Title order={1} ta="center" mb="lg">
          Sign in to OTE
        </Title>
        {notice && !f.mutation.error && (
          <Alert color="blue" mb="md">
            {notice}
          </Alert>
        )}
        <ApiFormView
          f={f}
          label="Sign in"
          submit="Sign in"
          framed
          after={
            <Text size="sm">
              No account?{' '}
              <Anchor component={Link} to="/register">
                Register
              </Anchor>
            </Text>
          }
        >
          <TextInput label="User name" autoComplete="username" {...f.form.getInputProps('user')} required />
          <PasswordInput label="Password" autoComplete="current-password" {...f.form.getInputProps('password')} required />
        </ApiFormView>
      </main>
    </Container>
  );
}

export function RegisterPage() {
  const f = useApiForm({
    initialValues: { user: '', password: '', phone: '', realName: '', isAdmin: true },
    submit: (body) => call(api.POST('/v1/user', { body })),
  });
  return (
    <Container size={460} py="xl">
      <main>
        <Title order={1} ta="center" mb="lg">
          Create an account
        </Title>
        {f.mutation.isSuccess ? (
          <Paper withBorder p="lg">
            <Alert color="teal.9" title="Registered" role="status">
              Your account waits for a system administrator's approval. You can sign in now; the console opens up once you are
              approved.
            </Alert>
            <Anchor component={Link} to="/login" mt="md" display="block">
              Go to sign in
            </Anchor>
          </Paper>
        ) : (
          <ApiFormView
            f={f}
            label="Register"
            submit="Register"
            framed
            after={
              <Text size="sm">
                Have an account?{' '}
                <Anchor component={Link} to="/login">
                  Sign in
                </Anchor>
              </Text>
            }
          >
            <TextInput label="User name" autoComplete="username" {...f.form.getInputProps('user')} required />
            <NewPasswordInput {...f.form.getInputProps('password')} />
            <TextInput label="Real name" {...f.form.getInputProps('realName')} required />
            <TextInput label="Phone" type="tel" {...f.form.getInputProps('phone')} required />
            <Checkbox
              label="I will administer a business (create one after approval)"
              {...f.form.getInputProps('isAdmin', { type: 'checkbox' })}
            />
          </ApiFormView>
        )}
      </main>
    </Container>
  );
}
