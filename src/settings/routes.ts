import type { App } from '../server/app-types.js';
import { Ok, ok } from '../server/envelope.js';
import { Settings, UpdateSettingsBody } from './schemas.js';

export async function settingsRoutes(app: App): Promise<void> {
  const { settings } = app.services;
  app.get(
    '/v1/admin/setting',
    { config: { allow: [4] }, schema: { tags: ['settings'], response: { 200: Ok(Settings) } } },
    async () => ok(await settings.get()),
  );
  app.put(
    '/v1/admin/setting',
    {
      config: { allow: [4] },
      schema: { tags: ['settings'], body: UpdateSettingsBody, response: { 200: Ok(Settings) } },
    },
    async (req) => ok(await settings.update(req.body)),
  );
}
