import { sql } from 'kysely';
import type { Db } from '../db/types.js';
import { type Paging, applyPage, likeContains } from '../http/paging.js';

/**
 * The images (registry repositories) and tags the hub mirrors from the
 * registry, for their times. These rows are reached through a project the
 * caller was already allowed to see (project-store.ts is the tenancy gate).
 */
interface ImageWithCount {
  id: number;
  name: string;
  create_time: number;
  update_time: number;
  tag_count: number;
}

export function findImage(db: Db, name: string) {
  return db.selectFrom('images').selectAll().where('name', '=', name).executeTakeFirst();
}

/** The image row of a repository, created on first sight with `time` as its creation time. */
export async function ensureImage(db: Db, projectId: number, name: string, time: number): Promise<number> {
  const found = await findImage(db, name);
  if (found) return found.id;
  const row = await db
    .insertInto('images')
    .values({ project_id: projectId, name, create_time: time, update_time: time })
    .onConflict((oc) => oc.column('name').doNothing())
    .returning('id')
    .executeTakeFirst();
  // Another request (an event racing a listing) inserted it first: use that row.
  return row?.id ?? (await findImage(db, name))!.id;
}

export async function touchImage(db: Db, imageId: number, time: number): Promise<void> {
  await db
    .updateTable('images')
    .set({
      update_time: sql`case when update_time < ${time} then ${time} else update_time end`,
      // An event that arrives after a listing first saw the image carries the earlier, real time.
      create_time: sql`case when create_time > ${time} then ${time} else create_time end`,
    })
    .where('id', '=', imageId)
    .execute();
}

export function tagsOf(db: Db, imageId: number) {
  return db.selectFrom('image_tags').selectAll().where('image_id', '=', imageId).execute();
}

/**
 * Records a tag pointing at `digest`; a moved tag keeps its creation time and forgets its old size.
 * Every time seen is at or after the tag's real creation, so the earliest one is kept: a push
 * event delivered late (after a listing recorded the tag as "seen now") makes it real.
 */
export async function upsertTag(
  db: Db,
  imageId: number,
  tag: string,
  digest: string,
  size: number | null,
  time: number,
): Promise<void> {
  const current = await db
    .selectFrom('image_tags')
    .select(['id', 'digest', 'size'])
    .where('image_id', '=', imageId)
    .where('tag', '=', tag)
    .executeTakeFirst();
  if (current) {
    const keep = current.digest === digest && size === null ? current.size : size;
    await db
      .updateTable('image_tags')
      .set({
        digest,
        size: keep,
        update_time: time,
        create_time: sql`case when create_time > ${time} then ${time} else create_time end`,
      })
      .where('id', '=', current.id)
      .execute();
    return;
  }
  await db
    .insertInto('image_tags')
    .values({ image_id: imageId, tag, digest, size, create_time: time, update_time: time })
    .onConflict((oc) => oc.columns(['image_id', 'tag']).doNothing())
    .execute();
}

export async function setTagSize(db: Db, imageId: number, tag: string, digest: string, size: number): Promise<void> {
  await db.updateTable('image_tags').set({ digest, size }).where('image_id', '=', imageId).where('tag', '=', tag).execute();
}

export async function deleteTags(db: Db, imageId: number, tags: readonly string[]): Promise<void> {
  if (tags.length === 0) return;
  await db
    .deleteFrom('image_tags')
    .where('image_id', '=', imageId)
    .where('tag', 'in', [...tags])
    .execute();
}

export async function deleteTagsByDigest(db: Db, imageId: number, digest: string): Promise<void> {
  await db.deleteFrom('image_tags').where('image_id', '=', imageId).where('digest', '=', digest).execute();
}

export async function deleteImage(db: Db, imageId: number): Promise<void> {
  await db.deleteFrom('image_tags').where('image_id', '=', imageId).execute();
  await db.deleteFrom('images').where('id', '=', imageId).execute();
}

/** Deletes the image rows of projects that are being deleted (their tags first). */
export async function deleteImagesOfProjects(db: Db, projectIds: readonly number[]): Promise<void> {
  if (projectIds.length === 0) return;
  const images = db
    .selectFrom('images')
    .select('id')
    .where('project_id', 'in', [...projectIds]);
  await db.deleteFrom('image_tags').where('image_id', 'in', images).execute();
  await db
    .deleteFrom('images')
    .where('project_id', 'in', [...projectIds])
    .execute();
}

export function imagesOfProjects(db: Db, projectIds: readonly number[]) {
  return db
    .selectFrom('images')
    .select(['id', 'name', 'project_id'])
    .where('project_id', 'in', [...projectIds])
    .execute();
}

export function imagesOfProject(db: Db, projectId: number) {
  return db.selectFrom('images').select(['id', 'name']).where('project_id', '=', projectId).execute();
}

/** A project's images that hold at least one tag (an emptied repository is no image). */
export async function listImages(
  db: Db,
  projectId: number,
  nameFilter: string | undefined,
  paging: Paging,
): Promise<{ rows: ImageWithCount[]; total: number }> {
  let base = db
    .selectFrom('images')
    .where('images.project_id', '=', projectId)
    .where((eb) => eb.exists(eb.selectFrom('image_tags').select('id').whereRef('image_tags.image_id', '=', 'images.id')));
  // Repository names are lower case (the registry's grammar); a lower-cased filter makes SQLite's
  // case-blind LIKE and PostgreSQL's case-sensitive one give the same rows.
  if (nameFilter) base = base.where(sql<boolean>`images.name like ${likeContains(nameFilter.toLowerCase())} escape '\\'`);
  const { total } = await base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  const q = base
    .select(['images.id', 'images.name', 'images.create_time', 'images.update_time'])
    .select((eb) =>
      eb
        .selectFrom('image_tags')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('image_tags.image_id', '=', 'images.id')
        .as('tag_count'),
    )
    .orderBy('images.id', paging.order);
  const rows = await applyPage(q, paging).execute();
  return {
    rows: rows.map((r) => ({ ...r, tag_count: Number(r.tag_count) })),
    total: Number(total),
  };
}

export async function listTags(db: Db, imageId: number, paging: Paging) {
  const base = db.selectFrom('image_tags').where('image_id', '=', imageId);
  const { total } = await base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  const rows = await applyPage(base.selectAll().orderBy('id', paging.order), paging).execute();
  return { rows, total: Number(total) };
}

/** Images holding tags, per project (the project list's `imageCount`). */
export async function imageCounts(db: Db, projectIds: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (projectIds.length === 0) return out;
  const rows = await db
    .selectFrom('images')
    .select(['project_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('project_id', 'in', [...projectIds])
    .where((eb) => eb.exists(eb.selectFrom('image_tags').select('id').whereRef('image_tags.image_id', '=', 'images.id')))
    .groupBy('project_id')
    .execute();
  for (const r of rows) out.set(r.project_id, Number(r.n));
  return out;
}
