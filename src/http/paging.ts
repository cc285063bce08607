import type { SelectQueryBuilder } from 'kysely';
import Type, { type Static } from 'typebox';

export const MAX_PAGE_SIZE = 1000;

/** `page`, `pageSize` (0 = no limit, at most 1000) and `order`, with the endpoint's default size. */
export const pagingFields = (defaultPageSize: number, defaultOrder: 'asc' | 'desc' = 'asc') => ({
  page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
  pageSize: Type.Integer({
    minimum: 0,
    maximum: MAX_PAGE_SIZE,
    default: defaultPageSize,
    errorMessage: `must be an integer from 0 (no limit) to ${MAX_PAGE_SIZE}`,
  }),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
    default: defaultOrder,
    errorMessage: 'must be "asc" or "desc"',
  }),
});
export const PagingQuery = (defaultPageSize: number) => Type.Object(pagingFields(defaultPageSize));
export type Paging = Static<ReturnType<typeof PagingQuery>>;

/** Applies LIMIT/OFFSET for a page; pageSize 0 means every row. */
export function applyPage<DB, TB extends keyof DB, O>(
  q: SelectQueryBuilder<DB, TB, O>,
  p: Pick<Paging, 'page' | 'pageSize'>,
): SelectQueryBuilder<DB, TB, O> {
  if (p.pageSize === 0) return q;
  return q.limit(p.pageSize).offset((p.page - 1) * p.pageSize);
}

/** Escapes a user's text for a LIKE '%…%' substring match (with ESCAPE '\'). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Path ids: positive integers that fit every engine's integer column. */
export const IdParam = (name: string) => Type.Object({ [name]: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
