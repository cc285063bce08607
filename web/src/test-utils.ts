import { within } from '@testing-library/react';

/** The text of each body row's cells of the (first) table in `el`, the header row left out. */
export function bodyRows(el: HTMLElement): (string | null)[][] {
  return within(el)
    .getAllByRole('row')
    .slice(1)
    .map((r) =>
      within(r)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    );
}
