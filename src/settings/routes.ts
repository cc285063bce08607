import { Allow } from '../access/roles.js';
import type { App } from '../http/app.js';
import { Ok, ok } from '../http/envelope.js';
import { Settings, UpdateSettingsBody } from './schemas.js';
import type { SettingsService } from './service.js';

export async function settingsRoutes(app: App, deps: { settings: SettingsService }): Promise<void> {
  const { settings } = deps;
  app.get(
    '/v1/admin/setting',
    { config: { allow: Allow.systemAdmin }, schema: { tags: ['settings'], response: { 200: Ok(Settings) } } },
    async () => ok(await settings.get()),
  );
  app.put(
    '/v1/admin/setting',
    {
      config: { allow: Allow.systemAdmin },
      schema: { tags: ['settings'], body: UpdateSettingsBody, response: { 200: Ok(Settings) } },
    },
    async (req) => ok(await settings.update(req.body)),
  );
}
