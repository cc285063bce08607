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

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object) as ReturnType<
    FastifySchemaCompiler<unknown>
  >;

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
