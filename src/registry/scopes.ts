/**
 * Scopes of the Docker Registry token specification:
 * `type[(class)]:name:action[,action...]`, e.g. `repository:proj/app:pull,push`.
 * The name may itself hold ':' (a host:port prefix), so the type ends at the
 * first ':' and the actions start after the last.
 */
export interface Access {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/** Parses every `scope` query value (each may hold several space-separated scopes); junk is skipped. */
export function parseScopes(values: readonly string[]): Access[] {
  const out: Access[] = [];
  for (const value of values) {
    for (const scope of value.split(' ')) {
      const first = scope.indexOf(':');
      const last = scope.lastIndexOf(':');
      if (first <= 0 || last <= first + 1) continue;
      const type = scope.slice(0, first).replace(/\(.*\)$/, '');
      const name = scope.slice(first + 1, last);
      const actions = [
        ...new Set(
          scope
            .slice(last + 1)
            .split(',')
            .filter(Boolean),
        ),
      ];
      if (actions.length > 0) out.push({ type, name, actions });
    }
  }
  return out;
}

/** What a caller may do with one repository, given the project it lives in. */
export type ActionSet = ReadonlySet<'pull' | 'push' | 'delete'>;

/** Intersects what was asked with what is allowed; `*` asks for everything allowed. */
export function intersect(asked: readonly string[], allowed: ActionSet): string[] {
  if (asked.includes('*')) return [...allowed].sort();
  return asked.filter((a) => allowed.has(a as 'pull')).sort();
}

/**
 * Distribution's repository name grammar (distribution/reference): path
 * components of lower-case alphanumerics joined by `.`, `_`, `__` or dashes,
 * separated by `/`, 255 characters at most. `proj/../other/img` is not one.
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY_NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

/** True for a repository name the registry itself would accept. */
export function isRepositoryName(name: string): boolean {
  return name.length <= 255 && REPOSITORY_NAME.test(name);
}

/**
 * The project a repository name belongs to: its first path component (it must
 * have a second); null for a name outside Distribution's grammar, so nothing is
 * ever granted on one.
 */
export function projectOf(repository: string): string | null {
  if (!isRepositoryName(repository)) return null;
  const slash = repository.indexOf('/');
  return slash > 0 ? repository.slice(0, slash) : null;
}
