import Type, { type Static } from 'typebox';
import type { Db } from '../db/types.js';
import type { Logger } from '../lib/log.js';
import * as images from '../repository/image-store.js';
import { projectByName } from '../repository/project-store.js';
import { projectOf } from './scopes.js';

/** The registry's notification media type (Distribution's `notifications` package). */
export const EVENTS_MEDIA_TYPE = 'application/vnd.docker.distribution.events.v1+json';

const Event = Type.Object({
  action: Type.String(),
  timestamp: Type.Optional(Type.String()),
  target: Type.Object({
    mediaType: Type.Optional(Type.String()),
    repository: Type.String({ maxLength: 255 }),
    digest: Type.Optional(Type.String({ maxLength: 200 })),
    tag: Type.Optional(Type.String({ maxLength: 128 })),
  }),
});

/** An envelope `{events: [...]}`; fields the hub does not read are allowed (the registry sends many). */
export const EventsEnvelope = Type.Object({ events: Type.Array(Event, { maxItems: 10_000 }) });
export type EventsEnvelope = Static<typeof EventsEnvelope>;

const MANIFEST = /manifest|image\.index/;

/** Seconds of an RFC 3339 time with up to nanosecond fractions; `fallback` when unreadable. */
export function eventSeconds(timestamp: string | undefined, fallback: number): number {
  if (!timestamp) return fallback;
  const ms = Date.parse(timestamp.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : fallback;
}

/**
 * Records manifest pushes (a tag now points at a digest) and manifest
 * deletes (every tag on that digest goes) so images and tags carry their real
 * times. Blob events, pulls and repositories outside any project are ignored.
 */
export async function recordEvents(db: Db, envelope: EventsEnvelope, log: Logger): Promise<number> {
  let recorded = 0;
  const now = Math.floor(Date.now() / 1000);
  for (const e of envelope.events) {
    const { repository, digest, tag, mediaType } = e.target;
    const name = projectOf(repository);
    if (!name) continue;
    const time = eventSeconds(e.timestamp, now);
    if (e.action === 'push' && tag && digest && (!mediaType || MANIFEST.test(mediaType))) {
      const project = await projectByName(db, name);
      if (!project) {
        log.warn({ repository }, 'registry push into no known project ignored');
        continue;
      }
      await db.transaction().execute(async (trx) => {
        const imageId = await images.ensureImage(trx, project.id, repository, time);
        await images.upsertTag(trx, imageId, tag, digest, null, time);
        await images.touchImage(trx, imageId, time);
      });
      recorded += 1;
    } else if (e.action === 'delete' && (digest || tag)) {
      const image = await images.findImage(db, repository);
      if (!image) continue;
      await db.transaction().execute(async (trx) => {
        if (tag) await images.deleteTags(trx, image.id, [tag]);
        else if (digest) await images.deleteTagsByDigest(trx, image.id, digest);
        await images.touchImage(trx, image.id, time);
      });
      recorded += 1;
    }
  }
  return recorded;
}
