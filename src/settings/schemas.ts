import Type, { type Static } from 'typebox';

export const Settings = Type.Object({
  privateProject: Type.Boolean(),
  enableIngress: Type.Boolean(),
  enableAlert: Type.Boolean(),
  enableAdminAutoDeploy: Type.Boolean(),
});
export type Settings = Static<typeof Settings>;

/** Partial: only the flags given change; at least one is required. */
export const UpdateSettingsBody = Type.Partial(Settings, { additionalProperties: false, minProperties: 1 });
export type UpdateSettingsBody = Static<typeof UpdateSettingsBody>;
