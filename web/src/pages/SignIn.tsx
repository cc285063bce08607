import {
  Alert,
  Anchor,
  Button,
  Checkbox,
  Container,
  List,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState, useSyncExternalStore } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, call, fieldError, formError } from '../api';
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

export function PasswordPolicy({ value, id }: { value: string; id: string }) {
  return (
    <List size="xs" id={id} aria-live="polite" spacing={0}>
      {passwordChecks(value).map((c) => (
        <List.Item key={c.label} c={c.ok ? 'teal.9' : 'dimmed'}>
          {c.ok ? '✓' : '○'} {c.label}
        </List.Item>
      ))}
    </List>
  );
}

export function LoginPage({ next }: { next: string }) {
  const notice = useSyncExternalStore(session.subscribe, session.notice);
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const navigate = useNavigate();
  const login = useMutation({
    mutationFn: async () => (await call(api.POST('/v1/authorization', { body: { user, password } }))) as { token: string },
    onSuccess: (r) => {
      session.start(r.token);
      void navigate(next, { replace: true });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };
  const err = formError(login.error, ['user', 'password']);
  return (
    <Container size={420} py="xl">
      <main>
        <Title order={1} ta="center">
          Sign in to OTE
        </Title>
        <Paper withBorder p="lg" mt="lg" component="form" onSubmit={submit} aria-label="Sign in">
          <Stack>
            {notice && !login.error && <Alert color="blue">{notice}</Alert>}
            {err && (
              <Alert color="red" role="alert">
                {err}
              </Alert>
            )}
            <TextInput
              label="User name"
              autoComplete="username"
              value={user}
              onChange={(e) => setUser(e.currentTarget.value)}
              error={fieldError(login.error, 'user')}
              required
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={fieldError(login.error, 'password')}
              required
            />
            <Button type="submit" loading={login.isPending}>
              Sign in
            </Button>
            <Text size="sm">
              No account?{' '}
              <Anchor component={Link} to="/register">
                Register
              </Anchor>
            </Text>
          </Stack>
        </Paper>
      </main>
    </Container>
  );
}

export function RegisterPage() {
  const [form, setForm] = useState({ user: '', password: '', phone: '', realName: '', isAdmin: true });
  const set = (k: keyof typeof form) => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [k]: e.currentTarget.value });
  const register = useMutation({
    mutationFn: async () => call(api.POST('/v1/user', { body: form })),
  });
  const fields = ['user', 'password', 'phone', 'realName', 'isAdmin'];
  const err = formError(register.error, fields);
  return (
    <Container size={460} py="xl">
      <main>
        <Title order={1} ta="center">
          Create an account
        </Title>
        {register.isSuccess ? (
          <Paper withBorder p="lg" mt="lg">
            <Alert color="teal.9" title="Registered" role="status">
              Your account waits for a system administrator's approval. You can sign in now; the console opens up once you are
              approved.
            </Alert>
            <Anchor component={Link} to="/login" mt="md" display="block">
              Go to sign in
            </Anchor>
          </Paper>
        ) : (
          <Paper
            withBorder
            p="lg"
            mt="lg"
            component="form"
            aria-label="Register"
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              register.mutate();
            }}
          >
            <Stack>
              {err && (
                <Alert color="red" role="alert">
                  {err}
                </Alert>
              )}
              <TextInput
                label="User name"
                autoComplete="username"
                value={form.user}
                onChange={set('user')}
                error={fieldError(register.error, 'user')}
                required
              />
              <PasswordInput
                label="Password"
                autoComplete="new-password"
                value={form.password}
                onChange={set('password')}
                error={fieldError(register.error, 'password')}
                aria-describedby="password-policy"
                required
              />
              <PasswordPolicy value={form.password} id="password-policy" />
              <TextInput
                label="Real name"
                value={form.realName}
                onChange={set('realName')}
                error={fieldError(register.error, 'realName')}
                required
              />
              <TextInput
                label="Phone"
                type="tel"
                value={form.phone}
                onChange={set('phone')}
                error={fieldError(register.error, 'phone')}
                required
              />
              <Checkbox
                label="I will administer a business (create one after approval)"
                checked={form.isAdmin}
                onChange={(e) => setForm({ ...form, isAdmin: e.currentTarget.checked })}
                error={fieldError(register.error, 'isAdmin')}
              />
              <Button type="submit" loading={register.isPending}>
                Register
              </Button>
              <Text size="sm">
                Have an account?{' '}
                <Anchor component={Link} to="/login">
                  Sign in
                </Anchor>
              </Text>
            </Stack>
          </Paper>
        )}
      </main>
    </Container>
  );
}
