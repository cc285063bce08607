/** Bound-parameter limits (SQLite, PostgreSQL's 65,535) are finite: long id lists go in chunks. */
export const CHUNK = 500;

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
