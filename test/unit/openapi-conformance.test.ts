import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLIENT_DIR } from '../../scripts/openapi.js';
import { Conformance } from '../helpers/conformance.js';

/** The response validator of the test client (helpers/conformance.ts) can fail, on the hub's real document. */
const doc = JSON.parse(fs.readFileSync(path.join(CLIENT_DIR, 'openapi.json'), 'utf8'));
const c = new Conformance(doc);
const JSON_TYPE = 'application/json; charset=utf-8';
const cluster = {
  clusterName: 'east',
  nodeCount: 2,
  isReady: true,
  paused: false,
  labels: ['gpu'],
  createTime: 1,
  lastHeartbeat: 2,
};
const list = (row: unknown) => JSON.stringify({ code: 200, message: 'success', data: [row], total: 1 });
const error = (code: number, extra: object = {}) => JSON.stringify({ code, message: 'no', requestId: 'r-1', ...extra });

describe('response conformance', () => {
  it('accepts a list answer and declared error answers', () => {
    const row = Object.fromEntries(
      Object.keys(
        doc.paths['/v1/cluster'].get.responses['200'].content['application/json'].schema.properties.data.items.properties,
      ).map((k) => [k, (cluster as Record<string, unknown>)[k] ?? null]),
    );
    assert.deepEqual(
      c.check({ method: 'GET', path: '/v1/cluster?page=1', status: 200, contentType: JSON_TYPE, text: list(row) }),
      [],
    );
    assert.deepEqual(c.check({ method: 'GET', path: '/v1/cluster', status: 401, contentType: JSON_TYPE, text: error(401) }), []);
    const fields = { fields: { pageSize: 'must be an integer' } };
    assert.deepEqual(
      c.check({ method: 'GET', path: '/v1/cluster', status: 422, contentType: JSON_TYPE, text: error(422, fields) }),
      [],
    );
  });

  it('refuses a status the operation does not declare', () => {
    const [problem] = c.check({
      method: 'GET',
      path: '/v1/cluster/label',
      status: 404,
      contentType: JSON_TYPE,
      text: error(404),
    });
    assert.match(problem, /listClusterLabels.*answered 404, which the document does not declare/);
    assert.equal(
      c.check({ method: 'GET', path: '/v1/cluster', status: 418, contentType: JSON_TYPE, text: error(418) }).length,
      1,
    );
  });

  it('refuses an extra field, in a row and in the error envelope', () => {
    const [problem] = c.check({
      method: 'GET',
      path: '/v1/cluster',
      status: 200,
      contentType: JSON_TYPE,
      text: list({ ...cluster, token: 'leak' }),
    });
    assert.match(problem, /must NOT have additional properties "token"/);
    const [envelope] = c.check({
      method: 'GET',
      path: '/v1/cluster',
      status: 401,
      contentType: JSON_TYPE,
      text: error(401, { stack: 'at x' }),
    });
    assert.match(envelope, /additional properties "stack"/);
  });

  it('refuses a missing field, a wrong type and a wrong content type', () => {
    const { createTime: _, ...noTime } = cluster;
    assert.equal(
      c.check({ method: 'GET', path: '/v1/cluster', status: 200, contentType: JSON_TYPE, text: list(noTime) }).length,
      1,
    );
    const wrong = list({ ...cluster, nodeCount: '2' });
    assert.equal(c.check({ method: 'GET', path: '/v1/cluster', status: 200, contentType: JSON_TYPE, text: wrong }).length, 1);
    const [pem] = c.check({ method: 'GET', path: '/v1/registry/certificate', status: 200, contentType: JSON_TYPE, text: '"x"' });
    assert.match(pem, /application\/x-pem-file/);
    const cert = '-----BEGIN CERTIFICATE-----\n';
    assert.deepEqual(
      c.check({
        method: 'GET',
        path: '/v1/registry/certificate',
        status: 200,
        contentType: 'application/x-pem-file',
        text: cert,
      }),
      [],
    );
  });

  it('matches a literal path before a templated one, and leaves undocumented paths alone', () => {
    // /v1/cluster/label is its own operation, not DELETE /v1/cluster/{clusterName}.
    const [problem] = c.check({ method: 'GET', path: '/v1/cluster/label', status: 200, contentType: JSON_TYPE, text: list('x') });
    assert.match(problem, /listClusterLabels/);
    assert.deepEqual(c.check({ method: 'GET', path: '/healthz', status: 200, contentType: JSON_TYPE, text: '{}' }), []);
  });
});
