import { type ColumnDefinitionBuilder, type CreateTableBuilder, sql } from 'kysely';
import type { DialectName } from './index.js';

/**
 * The few places where the engines differ in DDL: an auto-increment key, and
 * text that sorts by byte order (SQLite's BINARY is already C order; PostgreSQL
 * needs COLLATE "C" so both give the same pages).
 */
export function withId<T extends string>(t: CreateTableBuilder<T, never>, dialect: DialectName) {
  return t.addColumn('id', 'integer', (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
  );
}

export const cText = (dialect: DialectName) => (dialect === 'postgres' ? sql`text collate "C"` : sql`text`);
