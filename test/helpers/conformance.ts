import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Checks an answer of the hub against its OpenAPI document (API.md §1: "every
 * response the hub gives validates against the document"): the status is
 * declared for the operation, the content type is one the response declares,
 * and a JSON body matches the declared schema (OpenAPI 3.1 = JSON Schema
 * 2020-12, so ajv's 2020 dialect). Objects are as closed as the document says;
 * the hub's document closes every response object, so an extra field fails.
 *
 * A path the document does not describe (health, metrics, /docs, the agent's
 * WebSocket, an unknown route) is not checked.
 */
export interface Answer {
  readonly method: string;
  /** The request path, query string allowed. */
  readonly path: string;
  readonly status: number;
  /** The `content-type` header, or null. */
  readonly contentType: string | null;
  readonly text: string;
}

type Json = Record<string, unknown>;

interface Route {
  readonly template: string;
  readonly regex: RegExp;
  /** Template segments: a literal path wins over a templated one (as in the router). */
  readonly params: number;
  readonly item: Record<string, Json>;
}

const DOC_ID = 'openapi.json';

export class Conformance {
  private readonly ajv: Ajv2020;
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly doc: Json) {
    this.ajv = new Ajv2020({ allErrors: true, strict: false, validateSchema: false, validateFormats: true });
    addFormats.default(this.ajv);
    // The whole document, so `#/components/...` references resolve inside it.
    this.ajv.addSchema(doc, DOC_ID);
    const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
    this.routes = Object.entries(paths)
      .map(([template, item]) => ({
        template,
        item,
        params: (template.match(/\{[^}]+\}/g) ?? []).length,
        regex: new RegExp(
          `^${template
            .split(/(\{[^}]+\})/)
            .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
            .join('')}$`,
        ),
      }))
      .sort((a, b) => a.params - b.params);
  }

  /** What is wrong with an answer, or an empty list. */
  check(a: Answer): string[] {
    const method = a.method.toLowerCase();
    if (method === 'head' || method === 'options') return [];
    const path = a.path.split('?')[0];
    const route = this.routes.find((r) => r.regex.test(path) && r.item[method]);
    if (!route) return [];
    const op = route.item[method];
    const name = `${a.method.toUpperCase()} ${path} (${(op.operationId as string | undefined) ?? route.template})`;
    const responses = (op.responses ?? {}) as Record<string, Json>;
    const key =
      String(a.status) in responses
        ? String(a.status)
        : `${String(a.status)[0]}XX` in responses
          ? `${String(a.status)[0]}XX`
          : 'default';
    const declared = responses[key];
    if (!declared) {
      return [
        `${name} answered ${a.status}, which the document does not declare (declared: ${Object.keys(responses).join(', ')}): ${a.text.slice(0, 300)}`,
      ];
    }
    const [response, pointer] = this.resolve(declared, `#/paths/${escape(route.template)}/${method}/responses/${key}`);
    const content = response.content as Record<string, Json> | undefined;
    if (!content) return a.text ? [`${name} answered ${a.status} with a body, but the document declares none`] : [];
    const media = (a.contentType ?? '').split(';')[0].trim().toLowerCase();
    if (!(media in content)) {
      return [`${name} answered ${a.status} as "${a.contentType}", the document declares ${Object.keys(content).join(', ')}`];
    }
    if (!/^application\/(.+\+)?json$/.test(media)) return [];
    let body: unknown;
    try {
      body = JSON.parse(a.text);
    } catch {
      return [`${name} answered ${a.status} as ${media}, but the body is not JSON: ${a.text.slice(0, 200)}`];
    }
    if (!content[media].schema) return [];
    const validate = this.validator(`${pointer}/content/${escape(media)}/schema`);
    if (validate(body)) return [];
    const why = (validate.errors ?? [])
      .slice(0, 8)
      .map(
        (e) =>
          `${e.instancePath || '(body)'} ${e.message}${e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : ''}`,
      );
    return [
      `${name} answered ${a.status} with a body the document does not describe: ${why.join('; ')}: ${a.text.slice(0, 300)}`,
    ];
  }

  /** Follows a response `$ref` (`#/components/responses/NotFound`) to the object and its JSON pointer. */
  private resolve(obj: Json, pointer: string): [Json, string] {
    let o = obj;
    let p = pointer;
    for (let i = 0; i < 10 && typeof o.$ref === 'string'; i++) {
      p = o.$ref;
      o = p
        .slice(2)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<Json>((node, s) => node?.[s] as Json, this.doc);
    }
    return [o, p];
  }

  private validator(pointer: string): ValidateFunction {
    let v = this.validators.get(pointer);
    if (!v) {
      v = this.ajv.compile({ $ref: `${DOC_ID}${pointer}` });
      this.validators.set(pointer, v);
    }
    return v;
  }
}

const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

// One document per hub (its base URL), fetched on first use.
const byHub = new Map<string, Promise<Conformance>>();

/** The conformance checker of the hub at `baseUrl`, from its own `GET /v1/openapi.json`. */
export function conformanceOf(baseUrl: string): Promise<Conformance> {
  let c = byHub.get(baseUrl);
  if (!c) {
    c = fetch(`${baseUrl}/v1/openapi.json`).then(async (res) => {
      if (res.status !== 200) throw new Error(`GET ${baseUrl}/v1/openapi.json answered ${res.status}`);
      return new Conformance((await res.json()) as Json);
    });
    // A hub that was not up yet is asked again next time.
    c.catch(() => byHub.delete(baseUrl));
    byHub.set(baseUrl, c);
  }
  return c;
}
