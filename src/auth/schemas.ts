import Type, { type Static } from 'typebox';

export const LoginBody = Type.Object(
  {
    user: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

/** Login and refresh put `token` at the top level (the seed's examples). */
export const TokenReply = Type.Object({ token: Type.String(), code: Type.Integer(), message: Type.String() });

export const AuthInfo = Type.Object({
  userId: Type.Integer(),
  businessId: Type.Union([Type.Integer(), Type.Null()]),
  displayName: Type.String({ description: 'The user name' }),
  hasRepoAccount: Type.Boolean(),
  role: Type.Integer({
    description:
      '0 pending user, 1 approved user without a business, 2 business member, 3 business administrator, 4 system administrator',
  }),
  privateProject: Type.Boolean(),
  enableIngress: Type.Boolean(),
  enableAlert: Type.Boolean(),
  enableAdminAutoDeploy: Type.Boolean(),
});
export type AuthInfo = Static<typeof AuthInfo>;
