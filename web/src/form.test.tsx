import { MantineProvider, NumberInput, TextInput } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { ApiFormView, placeErrors, useApiForm } from './form';

afterEach(cleanup);

describe('placeErrors', () => {
  const fields = ['appName', 'ports', 'memoryMiB', 'batchSize'];
  const aliases = { memory: 'memoryMiB', rollout: 'batchSize' };

  it("puts each 422 field on its input, nested keys on their head with their path, aliases on the form's name", () => {
    const err = new ApiError(422, 'many things', {
      appName: 'must be a DNS label',
      'ports[0].containerPort': 'must be an integer from 1 to 65535',
      'ports[1].protocol': 'must be TCP, UDP or SCTP',
      memory: 'must be at least 4 MiB',
      'rollout.batchSize': 'must be 1 or more',
    });
    expect(placeErrors(err, fields, aliases)).toEqual({
      errors: {
        appName: 'must be a DNS label',
        ports: 'ports[0].containerPort: must be an integer from 1 to 65535; ports[1].protocol: must be TCP, UDP or SCTP',
        memoryMiB: 'must be at least 4 MiB',
        batchSize: 'rollout.batchSize: must be 1 or more',
      },
      message: undefined,
    });
  });

  it('keeps the message when a field has no input, or the error names none', () => {
    const err = new ApiError(422, 'volumes[0].hostPath: must be absolute', { 'volumes[0].hostPath': 'must be absolute' });
    expect(placeErrors(err, fields, aliases)).toEqual({ errors: {}, message: 'volumes[0].hostPath: must be absolute' });
    expect(placeErrors(new ApiError(409, 'name taken'), fields)).toEqual({ errors: {}, message: 'name taken' });
    expect(placeErrors(new Error('offline'), fields).message).toBe('offline');
    expect(placeErrors(null, fields)).toEqual({ errors: {}, message: undefined });
  });
});

function Probe({ submit }: { submit: (v: { name: string; memoryMiB: number | string }) => Promise<unknown> }) {
  const f = useApiForm({
    initialValues: { name: '', memoryMiB: '' },
    submit,
    fieldNames: { memory: 'memoryMiB' },
  });
  return (
    <ApiFormView f={f} label="Probe" submit="Save" success="Saved.">
      <TextInput label="Name" {...f.form.getInputProps('name')} />
      <NumberInput label="Memory" {...f.form.getInputProps('memoryMiB')} />
    </ApiFormView>
  );
}

function renderProbe(submit: (v: { name: string; memoryMiB: number | string }) => Promise<unknown>) {
  const qc = new QueryClient();
  render(
    <MantineProvider>
      <QueryClientProvider client={qc}>
        <Probe submit={submit} />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe('useApiForm + ApiFormView', () => {
  it('a 422 marks the inputs it names (aliases too) and shows no banner; typing clears that input', async () => {
    renderProbe(() => Promise.reject(new ApiError(422, 'x', { name: 'is taken', memory: 'too small' })));
    fireEvent.change(screen.getByRole('textbox', { name: 'Name' }), { target: { value: 'a' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const name = screen.getByRole('textbox', { name: 'Name' });
    await waitFor(() => expect(name.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(name.getAttribute('aria-describedby')!.split(' ')[0])?.textContent).toBe('is taken');
    expect(screen.getByText('too small')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    fireEvent.change(name, { target: { value: 'b' } });
    await waitFor(() => expect(name.getAttribute('aria-invalid')).not.toBe('true'));
  });

  it('any other refusal is shown above the form; a success says so', async () => {
    let fail = true;
    renderProbe((v) => (fail ? Promise.reject(new ApiError(403, 'not for your role')) : Promise.resolve(v)));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toBe('not for your role');
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
