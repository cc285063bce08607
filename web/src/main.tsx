import '@mantine/core/styles.css';
import '@mantine/charts/styles.css';
import {
  type CSSVariablesResolver,
  MantineProvider,
  Modal,
  type VariantColorsResolver,
  createTheme,
  defaultVariantColorsResolver,
  parseThemeColor,
} from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App';
import { ApiError } from './api';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 2_000,
      // A 4xx will not get better by asking again; a network error or 5xx may.
      retry: (n, err) => n < 2 && !(err instanceof ApiError && err.status >= 400 && err.status < 500),
      refetchOnWindowFocus: true,
    },
  },
});

/** Light, outline and subtle variants in the darkest shade: text keeps WCAG AA contrast on white and tints. */
const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  const parsed = parseThemeColor({ color: input.color || input.theme.primaryColor, theme: input.theme });
  if (!parsed.isThemeColor || !['light', 'outline', 'subtle'].includes(input.variant)) return colors;
  // Yellow, orange and lime stay too light even at shade 9: their text is near-black on the tint.
  const dark = ['yellow', 'orange', 'lime'].includes(parsed.color)
    ? 'var(--mantine-color-dark-7)'
    : `var(--mantine-color-${parsed.color}-9)`;
  return {
    ...colors,
    color: dark,
    ...(input.variant === 'outline' ? { border: `1px solid ${dark}` } : {}),
    ...(input.variant === 'light' ? { background: `var(--mantine-color-${parsed.color}-0)` } : {}),
  };
};

// Secondary and error text dark enough for WCAG AA (axe's color-contrast) on white.
const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)', '--mantine-color-error': 'var(--mantine-color-red-9)' },
  dark: {},
});

// System fonts only: the console loads nothing from outside the hub.
const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: { light: 8, dark: 8 },
  autoContrast: true,
  defaultRadius: 'sm',
  variantColorResolver,
  components: {
    // The close button of every dialog says what it does.
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
