import Type, { type Static } from 'typebox';
import { pagingFields } from '../http/paging.js';
import { PASSWORD_MESSAGE, PASSWORD_RE, PHONE_MESSAGE, PHONE_RE, USER_NAME_MESSAGE, USER_NAME_RE } from '../lib/validation.js';

// `errorMessage` (ajv-errors) replaces ajv's generic wording with the rule itself.
export const Password = Type.String({ pattern: PASSWORD_RE.source, errorMessage: PASSWORD_MESSAGE });
export const UserName = Type.String({ pattern: USER_NAME_RE.source, errorMessage: USER_NAME_MESSAGE });
const Phone = Type.String({ pattern: PHONE_RE.source, errorMessage: PHONE_MESSAGE });
const RealName = Type.String({ minLength: 1, maxLength: 64, errorMessage: 'must be 1-64 characters' });
const UserStatusValue = Type.Integer({
  minimum: 0,
  maximum: 3,
  description: '0 pending, 1 approved, 2 not approved, 3 forbidden',
  errorMessage: 'must be 0, 1, 2 or 3',
});

const newUserFields = {
  user: UserName,
  password: Password,
  phone: Phone,
  realName: RealName,
  isAdmin: Type.Boolean(),
};

export const CreateUserBody = Type.Object(newUserFields, { additionalProperties: false });
export type CreateUserBody = Static<typeof CreateUserBody>;

/** Sub-user creation; `businessId` is for the system administrator only (checked by the service). */
export const CreateSubUserBody = Type.Object(
  { ...newUserFields, businessId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })) },
  { additionalProperties: false },
);
export type CreateSubUserBody = Static<typeof CreateSubUserBody>;

export const ChangePasswordBody = Type.Object(
  { oldPassword: Type.String({ minLength: 1, maxLength: 256 }), password: Password },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

export const ResetPasswordBody = Type.Object({ password: Password }, { additionalProperties: false });
export type ResetPasswordBody = Static<typeof ResetPasswordBody>;

export const AuditUserBody = Type.Object({ status: UserStatusValue }, { additionalProperties: false });
export type AuditUserBody = Static<typeof AuditUserBody>;

export const ListUsersQuery = Type.Object({
  ...pagingFields(10),
  orderBy: Type.Union([Type.Literal('id'), Type.Literal('user_name')], {
    default: 'id',
    errorMessage: 'must be "id" or "user_name"',
  }),
  user: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(UserStatusValue),
});
export type ListUsersQuery = Static<typeof ListUsersQuery>;

export const UserRow = Type.Object({
  id: Type.Integer(),
  user: Type.String(),
  status: Type.Integer({ description: '0 pending, 1 approved, 2 not approved, 3 forbidden' }),
  realName: Type.String(),
  phone: Type.String(),
  isAdmin: Type.Boolean(),
  role: Type.Integer({
    description:
      '0 pending user, 1 approved user without a business, 2 business member, 3 business administrator, 4 system administrator',
  }),
  businessId: Type.Union([Type.Integer(), Type.Null()]),
  createTime: Type.Integer(),
  updateTime: Type.Integer(),
});
export type UserRow = Static<typeof UserRow>;

export const IdData = Type.Object({ id: Type.Integer() });
