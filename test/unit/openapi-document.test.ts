import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLIENT_DIR, buildDocument } from '../../scripts/openapi.js';
import { OPERATIONS, TAGS } from '../../src/server/operations.js';

/** The document as API.md §1 describes it; client/openapi.json is the hub's (openapi-client.test.ts). */
// The document is read as untyped JSON; the assertions are the type check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const doc: Json = JSON.parse(fs.readFileSync(path.join(CLIENT_DIR, 'openapi.json'), 'utf8'));
const operations = Object.entries(doc.paths as Record<string, Json>).flatMap(([p, item]) =>
  Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${p}`, op: op as Json })),
);
const schemaOf = (p: string, method: string) => doc.paths[p][method].requestBody.content['application/json'].schema;
const queryParams = (p: string) => (doc.paths[p].get.parameters ?? []).filter((x: Json) => x.in === 'query');

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with servers, tags and a license', () => {
    assert.match(doc.openapi, /^3\.1\./);
    assert.ok(doc.servers?.length > 0);
    assert.deepEqual(
      doc.tags.map((t: Json) => t.name),
      TAGS.map((t) => t.name),
    );
    assert.equal(doc.info.license.identifier, 'Apache-2.0');
  });

  it('names every operation from the table, and the table names nothing else', () => {
    const keys = operations.map((o) => o.key).sort();
    assert.deepEqual(
      keys.filter((k) => !(k in OPERATIONS)),
      [],
      'operations without a table entry (their ids are derived)',
    );
    assert.deepEqual(
      Object.keys(OPERATIONS).filter((k) => !keys.includes(k)),
      [],
      'table entries of no route',
    );
    const ids = operations.map((o) => o.op.operationId);
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    for (const { key, op } of operations) {
      assert.match(op.operationId, /^[a-z][A-Za-z]+$/, key);
      assert.ok(op.summary, `${key} has a summary`);
      assert.match(op.description, /\*\*Who may call:\*\* /, `${key} says who may call it`);
      assert.equal(op.tags?.length, 1, `${key} has one tag`);
    }
    assert.equal(doc.paths['/v1/cluster'].get.operationId, 'listClusters');
    assert.equal(doc.paths['/v1/app/{id}/audit'].put.operationId, 'auditApp');
  });

  it('says who may call from config.allow', () => {
    assert.match(doc.paths['/v1/admin/setting'].get.description, /Roles 4 \(system administrator\); other roles get 403/);
    assert.match(doc.paths['/v1/admin/user'].get.description, /Roles 3 \(business administrator\), 4 \(system administrator\)/);
    assert.match(doc.paths['/v1/authorization'].post.description, /Anyone: no token is needed/);
    assert.deepEqual(doc.paths['/v1/authorization'].post.security, []);
    assert.match(doc.paths['/v1/authorization'].get.description, /Any valid token/);
  });

  it('declares the error answers with the envelope: derived, and from the table', () => {
    const statuses = (p: string, m: string) => Object.keys(doc.paths[p][m].responses);
    assert.deepEqual(statuses('/v1/cluster', 'get'), ['200', '400', '401', '403', '422', '500', '503']);
    assert.deepEqual(statuses('/v1/authorization', 'post'), [
      '200',
      '400',
      '401',
      '408',
      '413',
      '415',
      '422',
      '429',
      '500',
      '503',
    ]);
    assert.deepEqual(statuses('/v1/cluster/{clusterName}', 'delete'), [
      '200',
      '400',
      '401',
      '403',
      '404',
      '408',
      '413',
      '414',
      '415',
      '422',
      '500',
      '503',
    ]);
    for (const { key, op } of operations) {
      for (const [status, r] of Object.entries(op.responses as Record<string, Json>)) {
        if (Number(status) >= 400) assert.match(r.$ref, /^#\/components\/responses\//, `${key} ${status}`);
      }
    }
    const envelope = doc.components.responses.NotFound.content['application/json'].schema;
    assert.equal(envelope.$ref, '#/components/schemas/Error');
    assert.deepEqual(doc.components.schemas.Error.required, ['code', 'message', 'requestId']);
  });

  it('keeps optional parameters and body fields with defaults optional', () => {
    for (const list of ['/v1/cluster', '/v1/node', '/v1/business', '/v1/admin/user', '/v1/app', '/v1/alert', '/v1/admin/audit']) {
      const required = queryParams(list)
        .filter((q: Json) => q.required)
        .map((q: Json) => q.name);
      assert.deepEqual(required, [], `${list}: no query parameter is required`);
    }
    assert.deepEqual(
      queryParams('/v1/repository/image')
        .filter((q: Json) => q.required)
        .map((q: Json) => q.name),
      ['projectName'],
    );
    const app = schemaOf('/v1/app', 'post');
    for (const f of ['description', 'ports', 'env', 'command', 'args', 'kind', 'volumes']) {
      assert.ok(f in app.properties, f);
      assert.ok(!app.required.includes(f), `POST /v1/app: ${f} has a default, so it is not required`);
    }
    assert.ok(!schemaOf('/v1/node/label', 'delete').required.includes('deleteDeploy'));
  });

  it('has real content types, documented enums, no validator keywords, and 3.1 numbers', () => {
    assert.deepEqual(Object.keys(doc.paths['/v1/registry/certificate'].get.responses['200'].content), ['application/x-pem-file']);
    const text = JSON.stringify(doc);
    assert.ok(!text.includes('"errorMessage"'), 'errorMessage is stripped');
    assert.equal(schemaOf('/v1/app', 'post').properties.cpu.exclusiveMinimum, 0);
    const row = doc.paths['/v1/admin/user'].get.responses['200'].content['application/json'].schema.properties.data.items;
    assert.match(row.properties.status.description, /0 pending, 1 approved, 2 not approved, 3 forbidden/);
    assert.match(row.properties.role.description, /4 system administrator/);
    const biz = doc.paths['/v1/business'].get.responses['200'].content['application/json'].schema.properties.data.items;
    assert.match(biz.properties.status.description, /0 pending, 1 approved, 2 disapproved, 3 deleted/);
    const order = queryParams('/v1/cluster').find((q: Json) => q.name === 'order');
    assert.deepEqual(order.schema.enum, ['asc', 'desc']);
  });

  it('closes response objects, so an extra field is a violation', () => {
    const row = doc.paths['/v1/cluster'].get.responses['200'].content['application/json'].schema;
    assert.equal(row.additionalProperties, false);
    assert.equal(row.properties.data.items.additionalProperties, false);
  });

  it('takes its server from OTE_PUBLIC_URL', async () => {
    const withUrl = await buildDocument({ OTE_PUBLIC_URL: 'https://hub.example.org/' });
    assert.deepEqual(
      (withUrl.servers as Json[]).map((s) => s.url),
      ['https://hub.example.org'],
    );
  });
});
