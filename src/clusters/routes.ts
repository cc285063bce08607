import type { AddressInfo } from 'node:net';
import Type from 'typebox';
import type { App } from '../server/app-types.js';
import { publicUrl } from '../server/config.js';
import { Done, Ok, Page, done, ok, page } from '../server/envelope.js';
import { PagingQuery } from '../server/paging.js';
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

const READ = [2, 3, 4] as const;
const ADMIN = [4] as const;

export async function clustersRoutes(app: App): Promise<void> {
  const { clusters } = app.services;
  const tags = ['clusters'];
  // The join command names the address agents dial: OTE_PUBLIC_URL, or the port actually bound.
  const hubUrl = () => publicUrl(app.services.config, (app.server.address() as AddressInfo | null)?.port);

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
