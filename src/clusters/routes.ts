import type { AddressInfo } from 'node:net';
import Type from 'typebox';
import { Allow } from '../access/roles.js';
import { publicUrl } from '../config/config.js';
import type { Config } from '../config/config.js';
import type { App } from '../http/app.js';
import { Done, Ok, Page, done, ok, page } from '../http/envelope.js';
import { PagingQuery } from '../http/paging.js';
import {
  ClusterLabelBody,
  ClusterLabelRow,
  ClusterNameParams,
  ClusterRow,
  CreateClusterBody,
  JoinData,
  ListClustersQuery,
  PauseBody,
  PauseData,
} from './schemas.js';
import type { ClustersService } from './service.js';

const READ = Allow.members;
const ADMIN = Allow.systemAdmin;

export async function clustersRoutes(app: App, deps: { clusters: ClustersService; config: Config }): Promise<void> {
  const { clusters, config } = deps;
  const tags = ['clusters'];
  // The join command names the address agents dial: OTE_PUBLIC_URL, or the port actually bound.
  const hubUrl = () => publicUrl(config, (app.server.address() as AddressInfo | null)?.port);

  app.get(
    '/v1/cluster',
    { config: { allow: READ }, schema: { tags, querystring: ListClustersQuery, response: { 200: Page(ClusterRow) } } },
    async (req) => {
      const { rows, total } = await clusters.list(req.caller!, req.query);
      return page(rows, total);
    },
  );

  app.post(
    '/v1/cluster',
    { config: { allow: ADMIN }, schema: { tags, body: CreateClusterBody, response: { 200: Ok(JoinData) } } },
    async (req) => ok(await clusters.register(req.caller!, req.body.clusterName, hubUrl())),
  );

  app.delete(
    '/v1/cluster/:clusterName',
    { config: { allow: ADMIN }, schema: { tags, params: ClusterNameParams, response: { 200: Done } } },
    async (req) => {
      await clusters.remove(req.caller!, req.params.clusterName);
      return done();
    },
  );

  app.post(
    '/v1/cluster/:clusterName/token',
    { config: { allow: ADMIN }, schema: { tags, params: ClusterNameParams, response: { 200: Ok(JoinData) } } },
    async (req) => ok(await clusters.rotateToken(req.caller!, req.params.clusterName, hubUrl())),
  );

  app.put(
    '/v1/cluster/:clusterName/pause',
    {
      config: { allow: ADMIN },
      schema: { tags, params: ClusterNameParams, body: PauseBody, response: { 200: Ok(PauseData) } },
    },
    async (req) => ok(await clusters.pause(req.caller!, req.params.clusterName, req.body.paused)),
  );

  app.get(
    '/v1/cluster/label',
    { config: { allow: READ }, schema: { tags, response: { 200: Ok(Type.Array(Type.String())) } } },
    async (req) => ok(await clusters.labels(req.caller!)),
  );

  app.post(
    '/v1/cluster/label',
    { config: { allow: ADMIN }, schema: { tags, body: ClusterLabelBody, response: { 200: Done } } },
    async (req) => {
      await clusters.addLabel(req.caller!, req.body);
      return done();
    },
  );

  app.delete(
    '/v1/cluster/label',
    { config: { allow: ADMIN }, schema: { tags, body: ClusterLabelBody, response: { 200: Done } } },
    async (req) => {
      await clusters.removeLabel(req.caller!, req.body);
      return done();
    },
  );

  app.get(
    '/v1/cluster/label/:clusterName',
    {
      config: { allow: READ },
      schema: { tags, params: ClusterNameParams, querystring: PagingQuery(10), response: { 200: Page(ClusterLabelRow) } },
    },
    async (req) => {
      const { rows, total } = await clusters.labelsOf(req.caller!, req.params.clusterName, req.query);
      return page(rows, total);
    },
  );
}
