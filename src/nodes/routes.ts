import Type from 'typebox';
import type { App } from '../server/app-types.js';
import { Done, Ok, done, ok } from '../server/envelope.js';
import { AddNodeLabelBody, DeleteNodeLabelBody, ListNodesQuery, NodeLabelsQuery, NodePage } from './schemas.js';

const READ = [2, 3, 4] as const;
const ADMIN = [4] as const;

export async function nodesRoutes(app: App): Promise<void> {
  const { nodes } = app.services;
  const tags = ['nodes'];

  app.get(
    '/v1/node',
    { config: { allow: READ }, schema: { tags, querystring: ListNodesQuery, response: { 200: NodePage } } },
    async (req) => {
      const { rows, total, readyNodeCount } = await nodes.list(req.caller!, req.query);
      return { code: 200, message: 'success', data: rows, total, meta: { readyNodeCount } };
    },
  );

  app.get(
    '/v1/node/label',
    {
      config: { allow: READ },
      schema: { tags, querystring: NodeLabelsQuery, response: { 200: Ok(Type.Array(Type.String())) } },
    },
    async (req) => ok(await nodes.labels(req.caller!, req.query.clusterName)),
  );

  app.post(
    '/v1/node/label',
    { config: { allow: ADMIN }, schema: { tags, body: AddNodeLabelBody, response: { 200: Done } } },
    async (req) => {
      await nodes.addLabel(req.caller!, req.body);
      return done();
    },
  );

  app.delete(
    '/v1/node/label',
    { config: { allow: ADMIN }, schema: { tags, body: DeleteNodeLabelBody, response: { 200: Done } } },
    async (req) => {
      await nodes.removeLabel(req.caller!, req.body);
      return done();
    },
  );
}
