import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLIENT_DIR, buildDocument, generate } from '../../scripts/openapi.js';

describe('the generated client files', () => {
  it('client/openapi.json and client/schema.d.ts are what the hub generates now', async () => {
    const { json, types } = await generate(await buildDocument());
    const stale = (name: string) => `client/${name} is stale: run \`npx tsx scripts/openapi.ts\` and commit it`;
    assert.equal(fs.readFileSync(path.join(CLIENT_DIR, 'openapi.json'), 'utf8'), json, stale('openapi.json'));
    assert.equal(fs.readFileSync(path.join(CLIENT_DIR, 'schema.d.ts'), 'utf8'), types, stale('schema.d.ts'));
  });
});
