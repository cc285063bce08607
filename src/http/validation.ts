import { Ajv, type ErrorObject, type Options } from 'ajv';
import ajvErrors from 'ajv-errors';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

function makeAjv(opts: Options): Ajv {
  const ajv = new Ajv({
    allErrors: true, // name every offending field, not only the first
    removeAdditional: false, // unknown fields are an error, never silently dropped
    useDefaults: true,
    strict: false, // TypeBox and OpenAPI annotations are not ajv keywords
    ...opts,
  });
  addFormats.default(ajv);
  ajvErrors.default(ajv);
  return ajv;
}

// JSON bodies are typed already: no coercion ("1" is not a number there).
const bodyAjv = makeAjv({ coerceTypes: false });
// Query strings and path parameters arrive as text.
const textAjv = makeAjv({ coerceTypes: 'array' });

type Validator = ReturnType<FastifySchemaCompiler<unknown>> & { errors?: ErrorObject[] | null };

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const body = httpPart === 'body';
  const validate = (body ? bodyAjv : textAjv).compile(schema as object) as Validator;
  const numeric = body ? [] : numericFields(schema as SchemaLike);
  // Every API body is closed (additionalProperties: false). An open one is a third party's
  // webhook payload (Alertmanager, the registry), read selectively: a NUL in a part nobody
  // reads must not make the sender retry the whole batch forever.
  const nul = !body || (schema as { additionalProperties?: unknown }).additionalProperties === false;
  const wrapped = ((data: unknown) => {
    // Checked before ajv runs: its coercion would turn "1e3" into 1000 in place.
    const early = [...(nul ? nulErrors(data) : []), ...numberTextErrors(data, numeric)];
    const ok = validate(data);
    // Every offending field is named: the early findings first, then ajv's (one reason per field).
    wrapped.errors = early.length > 0 ? [...early, ...(validate.errors ?? [])] : validate.errors;
    return ok && early.length === 0;
  }) as Validator;
  return wrapped;
};

interface SchemaLike {
  properties?: Record<string, { type?: unknown; errorMessage?: unknown }>;
}

type NumericField = [string, { type: 'integer' | 'number'; errorMessage?: unknown }];

const numericFields = (schema: SchemaLike): NumericField[] =>
  Object.entries(schema.properties ?? {}).filter((e): e is NumericField => e[1].type === 'integer' || e[1].type === 'number');

// ajv's coercion reads "1e3" as 1000 and "0x10" as 16: in a path or query, a
// number must be written plainly, so /v1/admin/user/0x10 is a 422, not user 16.
const NUMBER_TEXT = { integer: /^-?[0-9]+$/, number: /^-?[0-9]+(\.[0-9]+)?$/ } as const;

function numberTextErrors(data: unknown, numeric: readonly NumericField[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  for (const [name, prop] of numeric) {
    const raw = (data as Record<string, unknown> | null)?.[name];
    const texts = Array.isArray(raw) ? raw : [raw];
    if (texts.some((t) => typeof t === 'string' && !NUMBER_TEXT[prop.type].test(t))) {
      const message = typeof prop.errorMessage === 'string' ? prop.errorMessage : `must be ${prop.type}`;
      out.push({ instancePath: `/${name}`, schemaPath: '', keyword: 'type', params: {}, message });
    }
  }
  return out;
}

/**
 * A NUL character is refused in every string and key: PostgreSQL text cannot
 * hold it (the insert failed with a 500) and SQLite would keep what the other
 * engine refuses. Iterative, so a deeply nested body cannot exhaust the stack.
 */
function nulErrors(data: unknown): ErrorObject[] {
  const out: ErrorObject[] = [];
  const stack: [unknown, string][] = [[data, '']];
  while (stack.length > 0 && out.length < 20) {
    const [value, at] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (value.includes('\u0000')) out.push(nulError(at));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const path = `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (key.includes('\u0000')) out.push(nulError(path));
        else stack.push([child, path]);
      }
    }
  }
  return out;
}

const nulError = (instancePath: string): ErrorObject => ({
  instancePath,
  schemaPath: '',
  keyword: 'nul',
  params: {},
  message: 'must not contain a NUL character (\\u0000)',
});

/** Turns ajv errors into `field: why` pairs, one per field. */
export function fieldErrors(errors: readonly ErrorObject[], part: string | undefined): Record<string, string> {
  // A Map, not an object: a field may be named `constructor`, `toString` or `__proto__`,
  // which an object literal already "has" (or turns into its prototype).
  const out = new Map<string, string>();
  for (const e of errors) {
    let field = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => (/^\d+$/.test(s) ? `[${s}]` : s))
      .join('.')
      .replace(/\.\[/g, '[');
    let why = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      field = field ? `${field}.${missing}` : missing;
      why = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      field = field ? `${field}.${extra}` : extra;
      why = 'unknown field';
    } else if (e.keyword === 'minProperties' && !field) {
      why = 'must contain at least one field';
    }
    if (!field) field = part === 'body' ? 'body' : (part ?? 'request');
    // A union fails once per branch: keep the first reason for a field.
    if (!out.has(field)) out.set(field, why);
  }
  // fromEntries defines own properties, `__proto__` included.
  return Object.fromEntries(out);
}
