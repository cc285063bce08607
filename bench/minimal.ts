/**
 * The baseline of the list benchmarks (issue #13): a hand-written Fastify
 * server doing only the work a list request needs, on the hub's own database
 * file (or PostgreSQL database):
 *   - verify the HS256 token (jose, a CryptoKey imported once);
 *   - one prepared statement for session + user (+ its business's status);
 *   - one for the page, one for the count (and, for clusters, one for the
 *     labels of the page's clusters);
 *   - the same JSON envelope, serialized with JSON.stringify.
 * No hooks, no validation library, no query builder, no audit or metrics.
 */
import { webcrypto } from 'node:crypto';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { jwtVerify } from 'jose';
import pg from 'pg';
import { Allow, deriveRole, type Role } from '../src/access/roles.js';
import { isReady } from '../src/clusters/readiness.js';
import { deriveKey, loadOrCreateSecret } from '../src/config/secrets.js';

/** A row as the driver answers it (the columns are known from the SQL text). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;
/** Runs a statement (written with `?` placeholders) by name; rows as objects. */
type Query = (name: string, sql: string, params: readonly unknown[]) => Promise<Row[]>;

function sqliteQuery(dataDir: string): { query: Query; close: () => Promise<void> } {
  const db = new SQLite(path.join(dataDir, 'ote.db'));
  db.pragma('busy_timeout = 5000');
  const statements = new Map<string, SQLite.Statement>();
  const query: Query = (_name, text, params) => {
    let stmt = statements.get(text);
    if (!stmt) statements.set(text, (stmt = db.prepare(text)));
    return Promise.resolve(stmt.all(...params) as Row[]);
  };
  return {
    query,
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

function postgresQuery(url: string): { query: Query; close: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => {});
  const texts = new Map<string, string>();
  const query: Query = async (name, text, params) => {
    let pgText = texts.get(text);
    if (pgText === undefined) {
      let i = 0;
      texts.set(text, (pgText = text.replace(/\?/g, () => `$${++i}`)));
    }
    // Named: parsed once per connection, then only bound and executed.
    return (await pool.query({ name, text: pgText, values: params as unknown[] })).rows;
  };
  return { query, close: () => pool.end() };
}

const SESSION_SQL = `select users.*, businesses.status as business_status from users
  left join businesses on businesses.id = users.business_id
  inner join sessions on sessions.user_id = users.id
  where sessions.jti = ? and users.id = ? and sessions.revoked = 0 and sessions.expires_at > ?`;
const USER_COUNT_SQL = `select count(*) as total from users`;
const USER_PAGE_SQL = `select users.*, businesses.status as business_status from users
  left join businesses on businesses.id = users.business_id
  order by users.id asc limit ? offset ?`;
const CLUSTER_COUNT_SQL = `select count(*) as total from clusters`;
const CLUSTER_PAGE_SQL = `select id, name, paused, session_id, last_heartbeat, create_time,
  (select count(*) from nodes where nodes.cluster_id = clusters.id) as node_count
  from clusters order by name asc, id asc limit ? offset ?`;
const LABELS_SQL = (n: number) =>
  `select cluster_id, label from cluster_labels where cluster_id in (${Array(n).fill('?').join(', ')}) order by label`;

export async function startMinimal(dataDir: string, databaseUrl: string | undefined, graceSeconds: number) {
  // A CryptoKey imported once (jose 6 re-imports raw bytes and secret KeyObjects on every call).
  const key = await webcrypto.subtle.importKey(
    'raw',
    deriveKey(loadOrCreateSecret(dataDir, 'secret.key'), 'jwt'),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const db = databaseUrl ? postgresQuery(databaseUrl) : sqliteQuery(dataDir);
  const { query } = db;

  async function caller(req: FastifyRequest, reply: FastifyReply, allow: readonly Role[]): Promise<boolean> {
    const token = req.headers.authorization;
    let payload;
    try {
      ({ payload } = await jwtVerify(token ?? '', key, { algorithms: ['HS256'], issuer: 'ote-hub' }));
    } catch {
      reply.code(401).send({ code: 401, message: 'invalid token' });
      return false;
    }
    const now = Math.floor(Date.now() / 1000);
    const [user] = await query('m_session', SESSION_SQL, [payload.jti, Number(payload.sub), now]);
    const role: Role | undefined = user
      ? deriveRole({
          isSystem: user.is_system === 1,
          status: user.status,
          isAdmin: user.is_admin === 1,
          businessStatus: user.business_status,
        })
      : undefined;
    if (!user || role === undefined || !allow.includes(role)) {
      reply.code(user ? 403 : 401).send({ code: user ? 403 : 401, message: 'no' });
      return false;
    }
    return true;
  }

  const paging = (req: FastifyRequest) => {
    const q = req.query as { page?: string; pageSize?: string };
    const page = Number(q.page ?? 1);
    const pageSize = Number(q.pageSize ?? 10);
    return [pageSize, (page - 1) * pageSize];
  };

  const app = Fastify({ logger: false });
  app.get('/v1/admin/user', async (req, reply) => {
    if (!(await caller(req, reply, Allow.admins))) return reply;
    const [[{ total }], rows] = await Promise.all([
      query('m_user_count', USER_COUNT_SQL, []),
      query('m_user_page', USER_PAGE_SQL, paging(req)),
    ]);
    const data = rows.map((u) => ({
      id: u.id,
      user: u.user_name,
      status: u.status,
      realName: u.real_name,
      phone: u.phone,
      isAdmin: u.is_admin === 1,
      role: deriveRole({
        isSystem: u.is_system === 1,
        status: u.status,
        isAdmin: u.is_admin === 1,
        businessStatus: u.business_status,
      }),
      businessId: u.business_id,
      createTime: u.create_time,
      updateTime: u.update_time,
    }));
    reply.type('application/json; charset=utf-8');
    return JSON.stringify({ code: 200, message: 'success', data, total: Number(total) });
  });
  app.get('/v1/cluster', async (req, reply) => {
    if (!(await caller(req, reply, Allow.members))) return reply;
    const [[{ total }], rows] = await Promise.all([
      query('m_cluster_count', CLUSTER_COUNT_SQL, []),
      query('m_cluster_page', CLUSTER_PAGE_SQL, paging(req)),
    ]);
    const ids = rows.map((r) => r.id);
    const labels = new Map<number, string[]>();
    if (ids.length > 0) {
      for (const r of await query(`m_labels_${ids.length}`, LABELS_SQL(ids.length), ids)) {
        const list = labels.get(r.cluster_id) ?? [];
        list.push(r.label);
        labels.set(r.cluster_id, list);
      }
    }
    const now = Math.floor(Date.now() / 1000);
    const data = rows.map((r) => ({
      clusterName: r.name,
      nodeCount: Number(r.node_count),
      isReady: isReady(r as { session_id: string | null; last_heartbeat: number | null }, now, graceSeconds),
      paused: r.paused === 1,
      labels: labels.get(r.id) ?? [],
      createTime: r.create_time,
      lastHeartbeat: r.last_heartbeat,
    }));
    reply.type('application/json; charset=utf-8');
    return JSON.stringify({ code: 200, message: 'success', data, total: Number(total) });
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}
