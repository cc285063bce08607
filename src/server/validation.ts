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
  if (httpPart === 'body') return bodyAjv.compile(schema as object) as Validator;
  return plainNumbers(textAjv.compile(schema as object) as Validator, schema as SchemaLike);
};

interface SchemaLike {
  properties?: Record<string, { type?: unknown; errorMessage?: unknown }>;
}

// ajv's coercion reads "1e3" as 1000 and "0x10" as 16: in a path or query, a
// number must be written plainly, so /v1/admin/user/0x10 is a 422, not user 16.
const NUMBER_TEXT = { integer: /^-?[0-9]+$/, number: /^-?[0-9]+(\.[0-9]+)?$/ } as const;

function plainNumbers(validate: Validator, schema: SchemaLike): Validator {
  const numeric = Object.entries(schema.properties ?? {}).filter(
    (e): e is [string, { type: 'integer' | 'number'; errorMessage?: unknown }] =>
      e[1].type === 'integer' || e[1].type === 'number',
  );
  if (numeric.length === 0) return validate;
  const wrapped = ((data: Record<string, unknown> | null) => {
    for (const [name, prop] of numeric) {
      const raw = data?.[name];
      const texts = Array.isArray(raw) ? raw : [raw];
      if (texts.some((t) => typeof t === 'string' && !NUMBER_TEXT[prop.type].test(t))) {
        const message = typeof prop.errorMessage === 'string' ? prop.errorMessage : `must be ${prop.type}`;
        wrapped.errors = [{ instancePath: `/${name}`, schemaPath: '', keyword: 'type', params: {}, message }];
        return false;
      }
    }
    const ok = validate(data);
    wrapped.errors = validate.errors;
    return ok;
  }) as Validator;
  return wrapped;
}

/** Turns ajv errors into `field: why` pairs, one per field. */
export function fieldErrors(errors: readonly ErrorObject[], part: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
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
    if (!(field in out)) out[field] = why;
  }
  return out;
}
