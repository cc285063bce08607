import Type, { type Static } from 'typebox';
import { IdParam, pagingFields } from '../http/paging.js';

/**
 * Business names: 1-64 characters as given (unique case-insensitively), not
 * only spaces, no control characters (they would corrupt logs and listings).
 */
const BusinessName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^(?=.*\\S)[^\\u0000-\\u001F\\u007F]+$',
  errorMessage: 'must be 1-64 characters, not only spaces, without control characters',
});

/**
 * The seed types `introduce`, `objective` and `scale` as required strings and
 * shows `objective: ""` and both `scale: "scale"` and `scale: "1400000000"`:
 * they are free text for the system administrator who audits the request, so
 * any string (empty included) within a length limit is accepted.
 */
const FreeText = (max: number, description: string) =>
  Type.String({ maxLength: max, description, errorMessage: `must be a string of at most ${max} characters` });

export const CreateBusinessBody = Type.Object(
  {
    name: BusinessName,
    introduce: FreeText(1024, 'introduction of the business (free text, may be empty)'),
    objective: FreeText(1024, 'purpose of the business (free text, may be empty)'),
    scale: FreeText(64, 'the scale of resources it expects to use, as text (e.g. "1400000000" or "10 clusters")'),
  },
  { additionalProperties: false },
);
export type CreateBusinessBody = Static<typeof CreateBusinessBody>;

export const AuditBusinessBody = Type.Object(
  {
    comment: FreeText(1024, 'the audit comment shown to the applicant (may be empty)'),
    status: Type.Union([Type.Literal(1), Type.Literal(2)], {
      description: '1 approve, 2 disapprove',
      errorMessage: 'must be 1 (approved) or 2 (disapproved)',
    }),
  },
  { additionalProperties: false },
);
export type AuditBusinessBody = Static<typeof AuditBusinessBody>;

export const ListBusinessesQuery = Type.Object({
  ...pagingFields(10),
  orderBy: Type.Literal('id', { default: 'id', errorMessage: 'must be "id"' }),
  /** Case-insensitive substring of the name. */
  name: Type.Optional(Type.String({ maxLength: 64, errorMessage: 'must be at most 64 characters' })),
});
export type ListBusinessesQuery = Static<typeof ListBusinessesQuery>;

export const BusinessIdParams = IdParam('id');

export const BusinessRow = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  userId: Type.Integer(),
  comment: Type.String(),
  status: Type.Integer({ description: '0 pending, 1 approved, 2 disapproved, 3 deleted' }),
  createTime: Type.Integer(),
  updateTime: Type.Integer(),
});
export type BusinessRow = Static<typeof BusinessRow>;

export const BusinessDetail = Type.Object({
  ...BusinessRow.properties,
  introduce: Type.String(),
  objective: Type.String(),
  scale: Type.String(),
});
export type BusinessDetail = Static<typeof BusinessDetail>;
