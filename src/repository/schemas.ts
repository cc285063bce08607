import Type, { type Static } from 'typebox';
import { pagingFields } from '../http/paging.js';
import { PROJECT_NAME_RE } from '../lib/validation.js';
import { Password, UserName } from '../users/schemas.js';

const BusinessId = Type.Integer({ minimum: 1, maximum: 2147483647, errorMessage: 'must be a business id' });
const Id = Type.Integer({ minimum: 1, maximum: 2147483647, errorMessage: 'must be a positive integer id' });
const list = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Array(item, {
    minItems: 1,
    maxItems: 1000,
    uniqueItems: true,
    errorMessage: 'must be a list of 1-1000 distinct values, each valid',
  });

const ProjectName = Type.String({
  minLength: 2,
  maxLength: 64,
  pattern: PROJECT_NAME_RE.source,
  errorMessage: 'must be 2-64 lowercase letters and digits, separated by single ".", "_" or "-"',
});

/** A registry repository name "project/repo[/more]" (Distribution's path grammar, lower case). */
const ImageName = Type.String({
  maxLength: 255,
  pattern: '^[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)+$',
  errorMessage: 'must be "project/repository" in lowercase letters, digits, ".", "_" and "-"',
});
const TagName = Type.String({
  pattern: '^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$',
  errorMessage: 'must be 1-128 letters, digits, "_", "." or "-", not starting with "." or "-"',
});

// --- projects ---

export const CreateProjectBody = Type.Object(
  { projectName: ProjectName, public: Type.Boolean(), businessId: Type.Optional(BusinessId) },
  { additionalProperties: false },
);
export type CreateProjectBody = Static<typeof CreateProjectBody>;

export const DeleteProjectsBody = Type.Object({ projectId: list(Id) }, { additionalProperties: false });
export type DeleteProjectsBody = Static<typeof DeleteProjectsBody>;

export const ListProjectsQuery = Type.Object({
  ...pagingFields(10),
  projectName: Type.Optional(Type.String({ maxLength: 64 })),
  public: Type.Optional(Type.Boolean({ errorMessage: 'must be true or false' })),
});
export type ListProjectsQuery = Static<typeof ListProjectsQuery>;

export const ProjectRow = Type.Object({
  projectId: Type.Integer(),
  projectName: Type.String(),
  public: Type.Boolean(),
  businessId: Type.Integer(),
  imageCount: Type.Integer(),
  createTime: Type.Integer(),
  updateTime: Type.Integer(),
});
export type ProjectRow = Static<typeof ProjectRow>;

export const ProjectCreated = Type.Object({ id: Type.Integer(), projectId: Type.Integer() });

// --- images and tags ---

export const ListImagesQuery = Type.Object({
  ...pagingFields(10, 'desc'),
  projectName: ProjectName,
  imageName: Type.Optional(Type.String({ maxLength: 255 })),
  orderBy: Type.Literal('id', { default: 'id', errorMessage: 'must be "id"' }),
});
export type ListImagesQuery = Static<typeof ListImagesQuery>;

export const ImageRow = Type.Object({
  projectName: Type.String(),
  public: Type.Boolean(),
  imageName: Type.String(),
  imageAddress: Type.String(),
  tagCount: Type.Integer(),
  createTime: Type.Integer(),
  updateTime: Type.Integer(),
});
export type ImageRow = Static<typeof ImageRow>;

export const ListTagsQuery = Type.Object({ ...pagingFields(10, 'desc'), imageName: ImageName });
export type ListTagsQuery = Static<typeof ListTagsQuery>;

export const TagRow = Type.Object({
  tag: Type.String(),
  digest: Type.String(),
  size: Type.Integer(),
  imageAddress: Type.String(),
  createTime: Type.Integer(),
  updateTime: Type.Integer(),
});
export type TagRow = Static<typeof TagRow>;

export const DeleteImagesBody = Type.Object({ imageName: list(ImageName) }, { additionalProperties: false });
export type DeleteImagesBody = Static<typeof DeleteImagesBody>;

export const DeleteTagsBody = Type.Object({ imageName: ImageName, tag: list(TagName) }, { additionalProperties: false });
export type DeleteTagsBody = Static<typeof DeleteTagsBody>;

// --- registry accounts ---

export const CreateAccountBody = Type.Object({ user: UserName, password: Password }, { additionalProperties: false });
export type CreateAccountBody = Static<typeof CreateAccountBody>;

export const AccountPasswordBody = Type.Object({ password: Password }, { additionalProperties: false });
export type AccountPasswordBody = Static<typeof AccountPasswordBody>;

// --- external repositories ---

// It names a Kubernetes Secret in every cluster, so it must also be a DNS label (no leading or
// trailing "-"): the apiserver refuses any other name, and every cluster would fail to converge.
const RepositoryId = Type.String({
  pattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$',
  errorMessage: 'must be 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit',
});

export const CreateExternalBody = Type.Object(
  {
    repositoryId: RepositoryId,
    // Checked by address.ts, which says which part is wrong.
    address: Type.String({ maxLength: 300 }),
    user: Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[^\\s:]+$',
      errorMessage: 'must be 1-255 characters without ":" or whitespace',
    }),
    password: Type.String({ minLength: 1, maxLength: 1024, errorMessage: 'must be 1-1024 characters' }),
    businessId: Type.Optional(BusinessId),
  },
  { additionalProperties: false },
);
export type CreateExternalBody = Static<typeof CreateExternalBody>;

export const DeleteExternalBody = Type.Object(
  { repositoryId: list(RepositoryId), businessId: Type.Optional(BusinessId) },
  { additionalProperties: false },
);
export type DeleteExternalBody = Static<typeof DeleteExternalBody>;

export const ListExternalQuery = Type.Object({
  ...pagingFields(10),
  orderBy: Type.Literal('id', { default: 'id', errorMessage: 'must be "id"' }),
  businessId: Type.Optional(BusinessId),
});
export type ListExternalQuery = Static<typeof ListExternalQuery>;

export const ExternalQuery = Type.Object({ businessId: Type.Optional(BusinessId) });

export const ExternalRow = Type.Object({
  id: Type.Integer(),
  repositoryId: Type.String(),
  address: Type.String(),
  user: Type.String(),
  businessId: Type.Integer(),
  createTime: Type.Integer(),
});
export type ExternalRow = Static<typeof ExternalRow>;

export const RepositoryIdParams = Type.Object({ repositoryId: RepositoryId });
