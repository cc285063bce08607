import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RegisterPage, passwordChecks } from './pages/SignIn';
import { refreshDelayMs, session, tokenExpiry } from './session';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  session.end();
});

function renderPage(ui: React.ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <MantineProvider>
      <QueryClientProvider client={qc}>
        <MemoryRouter>{ui}</MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

const jwt = (payload: object) => `x.${btoa(JSON.stringify(payload)).replace(/=+$/, '')}.y`;

describe('registration page', () => {
  it("shows the API's 422 message next to the field it names", async () => {
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockResolvedValue(
      new Response(
        JSON.stringify({ code: 422, message: 'phone: must be 6-20 digits', fields: { phone: 'must be 6-20 digits' } }),
        {
          status: 422,
          headers: { 'content-type': 'application/json' },
        },
      ),
    );
    renderPage(<RegisterPage />);
    fireEvent.change(screen.getByRole('textbox', { name: /user name/i }), { target: { value: 'vera' } });
    fireEvent.change(screen.getByLabelText(/^password/i, { selector: 'input' }), { target: { value: 'Passw0rd1' } });
    fireEvent.change(screen.getByRole('textbox', { name: /real name/i }), { target: { value: 'Vera' } });
    fireEvent.change(screen.getByRole('textbox', { name: /phone/i }), { target: { value: '12' } });
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    const phone = screen.getByRole('textbox', { name: /phone/i });
    await waitFor(() => expect(phone.getAttribute('aria-invalid')).toBe('true'));
    const described = document.getElementById(phone.getAttribute('aria-describedby')!.split(' ')[0]);
    expect(described?.textContent).toBe('must be 6-20 digits');
    // Every offending field has its place: no duplicate banner.
    expect(screen.queryByRole('alert')).toBeNull();
    const [url, init] = fetchMock.mock.calls[0] as [Request, undefined];
    expect(new URL(url.url).pathname).toBe('/v1/user');
    expect(init).toBeUndefined();
  });

  it('checks the password policy as one types', () => {
    expect(passwordChecks('abc').map((c) => c.ok)).toEqual([false, false, true, false]);
    expect(passwordChecks('Passw0rdX').every((c) => c.ok)).toBe(true);
  });
});

describe('session', () => {
  it('refreshes a fifth of the lifetime before expiry, at least 30 s before, and never in the past', () => {
    const now = 1_000_000_000_000;
    const token = jwt({ exp: now / 1000 + 3600 });
    expect(tokenExpiry(token)).toBe(now / 1000 + 3600);
    expect(refreshDelayMs(token, now)).toBe(3600_000 * 0.8);
    expect(refreshDelayMs(jwt({ exp: now / 1000 + 60 }), now)).toBe(30_000);
    expect(refreshDelayMs(jwt({ exp: now / 1000 - 5 }), now)).toBe(5_000);
  });

  it('keeps the token in sessionStorage only, and drops it on sign-out', () => {
    session.start('tok');
    expect(sessionStorage.getItem('ote.token')).toBe('tok');
    expect(localStorage.length).toBe(0);
    session.end('bye');
    expect(sessionStorage.getItem('ote.token')).toBeNull();
    expect(session.notice()).toBe('bye');
  });
});
