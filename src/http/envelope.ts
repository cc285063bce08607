import Type, { type TSchema } from 'typebox';

/** The success envelope of API.md §1 around `data`. */
export const Ok = <T extends TSchema>(data: T) => Type.Object({ code: Type.Integer(), message: Type.String(), data });

/** A success envelope without data. */
export const Done = Type.Object({ code: Type.Integer(), message: Type.String() });

/** A list envelope: one page of rows plus the count before paging. */
export const Page = <T extends TSchema>(row: T) =>
  Type.Object({ code: Type.Integer(), message: Type.String(), data: Type.Array(row), total: Type.Integer() });

export const ErrorBody = Type.Object({
  code: Type.Integer(),
  message: Type.String(),
  requestId: Type.String(),
});

export function ok<T>(data: T): { code: 200; message: 'success'; data: T } {
  return { code: 200, message: 'success', data };
}
export const done = () => ({ code: 200 as const, message: 'success' as const });
export function page<T>(data: T[], total: number) {
  return { code: 200 as const, message: 'success' as const, data, total };
}
