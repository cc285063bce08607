import { Alert, Button, Modal, Paper, Stack, Title } from '@mantine/core';
import { type UseFormReturnType, useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { type UseMutationResult, useMutation } from '@tanstack/react-query';
import type { FormEvent, ReactNode } from 'react';
import { ApiError } from './api';

/**
 * The console's one way to submit a form to the API: the form's state is
 * @mantine/form's, the call a TanStack mutation, and a 422 envelope's
 * `fields` land on the inputs they name (API.md §1); the envelope's message
 * is shown above the form unless every field it names has its input.
 */

type Values = Record<string, unknown>;

/** API field names that the form names otherwise (`memory` → `memoryMiB`). */
export type FieldNames = Readonly<Record<string, string>>;

/**
 * The form field a 422 key belongs to: the key itself, its head (`ports` of
 * `ports[0].containerPort`), or an alias of either; `nested` when it was the head.
 */
function fieldOf(key: string, fields: readonly string[], aliases: FieldNames): { field: string; nested: boolean } | undefined {
  const head = key.split(/[.[]/, 1)[0];
  for (const k of [key, head]) {
    const field = aliases[k] ?? (fields.includes(k) ? k : undefined);
    if (field) return { field, nested: k !== key };
  }
  return undefined;
}

/**
 * Where an error goes on a form: each 422 field's message on its input (a nested key keeps its
 * path: "ports[0].containerPort: …"), and the message above the form unless every field has
 * its input (other errors: always the message).
 */
export function placeErrors(
  err: unknown,
  fields: readonly string[],
  aliases: FieldNames = {},
): { errors: Record<string, string>; message: string | undefined } {
  if (!err) return { errors: {}, message: undefined };
  if (!(err instanceof ApiError)) return { errors: {}, message: err instanceof Error ? err.message : 'Unexpected error' };
  const errors: Record<string, string> = {};
  let unplaced = Object.keys(err.fields).length === 0;
  for (const [key, why] of Object.entries(err.fields)) {
    const place = fieldOf(key, fields, aliases);
    if (!place) {
      unplaced = true;
      continue;
    }
    const text = place.nested ? `${key}: ${why}` : why;
    errors[place.field] = errors[place.field] ? `${errors[place.field]}; ${text}` : text;
  }
  return { errors, message: unplaced ? err.message : undefined };
}

export interface ApiSubmit<V extends Values, R, A> {
  readonly mutation: UseMutationResult<R, Error, { values: V; action: A }>;
  /** The message to show above the form, if any. */
  readonly message: string | undefined;
  /** Submits the current values with `action` (forms with more than one submit button). */
  run(action: A): void;
  /** A `<form onSubmit>` handler; `onDone` runs after a success (a modal closes). */
  handler(onDone?: () => void): (e?: FormEvent<HTMLFormElement>) => void;
}

/** Submits `form` to the API: one more way to submit a form already there (the application form's preview). */
export function useApiSubmit<V extends Values, R, A = void>(
  form: UseFormReturnType<V>,
  opts: {
    submit: (values: V, action: A) => Promise<R>;
    onSuccess?: (result: R, values: V, action: A) => void;
    fieldNames?: FieldNames;
  },
): ApiSubmit<V, R, A> {
  const fields = Object.keys(form.getInitialValues());
  const aliases = opts.fieldNames ?? {};
  const mutation = useMutation({
    mutationFn: ({ values, action }: { values: V; action: A }) => opts.submit(values, action),
    onMutate: () => form.clearErrors(),
    onError: (err) => form.setErrors(placeErrors(err, fields, aliases).errors),
    onSuccess: (result, { values, action }) => opts.onSuccess?.(result, values, action),
  });
  return {
    mutation,
    message: placeErrors(mutation.error, fields, aliases).message,
    run: (action) => mutation.mutate({ values: form.getValues(), action }),
    handler: (onDone) =>
      form.onSubmit((values) => mutation.mutate({ values, action: undefined as A }, { onSuccess: () => onDone?.() })),
  };
}

export interface ApiForm<V extends Values, R, A = void> extends ApiSubmit<V, R, A> {
  readonly form: UseFormReturnType<V>;
}

/** A form's values and its submission to the API. `resetOnSuccess`: empty the form after it went through. */
export function useApiForm<V extends Values, R = unknown, A = void>(opts: {
  initialValues: V;
  submit: (values: V, action: A) => Promise<R>;
  onSuccess?: (result: R, values: V, action: A) => void;
  fieldNames?: FieldNames;
  resetOnSuccess?: boolean;
}): ApiForm<V, R, A> {
  const form = useForm<V>({ mode: 'controlled', initialValues: opts.initialValues });
  const submit = useApiSubmit<V, R, A>(form, {
    submit: opts.submit,
    fieldNames: opts.fieldNames,
    onSuccess: (result, values, action) => {
      if (opts.resetOnSuccess) form.reset();
      opts.onSuccess?.(result, values, action);
    },
  });
  return { form, ...submit };
}

/** The message of a failed submission that no input shows. */
export function FormMessage({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <Alert color="red" role="alert">
      {message}
    </Alert>
  );
}

/**
 * A form with its title, the API's message, its inputs and one submit button. `framed`: in a
 * bordered paper (a section of a page); otherwise bare (in a modal).
 */
export function ApiFormView<V extends Values, R>({
  f,
  label,
  title,
  submit,
  success,
  framed = false,
  onDone,
  children,
  after,
}: {
  f: ApiForm<V, R, void>;
  label: string;
  title?: ReactNode;
  submit: string;
  /** Shown once the form went through. */
  success?: ReactNode;
  framed?: boolean;
  onDone?: () => void;
  children: ReactNode;
  after?: ReactNode;
}) {
  return (
    <Paper component="form" aria-label={label} onSubmit={f.handler(onDone)} withBorder={framed} p={framed ? 'md' : 0}>
      <Stack>
        {title && (
          <Title order={2} size="h4">
            {title}
          </Title>
        )}
        {success && f.mutation.isSuccess && (
          <Alert color="teal.9" role="status">
            {success}
          </Alert>
        )}
        <FormMessage message={f.message} />
        {children}
        <Button type="submit" loading={f.mutation.isPending}>
          {submit}
        </Button>
        {after}
      </Stack>
    </Paper>
  );
}

/** A button that opens a form in a modal; the modal closes once the form went through. */
export function ModalForm<V extends Values, R>({
  f,
  button,
  title,
  submit,
  children,
}: {
  f: ApiForm<V, R, void>;
  button: string;
  title: string;
  submit: string;
  children: ReactNode;
}) {
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button onClick={open}>{button}</Button>
      <Modal opened={opened} onClose={close} title={title}>
        <ApiFormView f={f} label={title} submit={submit} onDone={close}>
          {children}
        </ApiFormView>
      </Modal>
    </>
  );
}
