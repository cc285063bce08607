import Type from 'typebox';
import { Allow } from '../access/roles.js';
import type { App } from '../http/app.js';
import { Done, Ok, done, ok } from '../http/envelope.js';
import { AddNodeLabelBody, DeleteNodeLabelBody, ListNodesQuery, NodeLabelsQuery, NodePage } from './schemas.js';
import type { NodesService } from './service.js';

const READ = Allow.members;
const ADMIN = Allow.systemAdmin;

export async function nodesRoutes(app: App, deps: { nodes: NodesService }): Promise<void> {
  const { nodes } = deps;
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
