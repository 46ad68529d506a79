import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * Holds a server to the OpenAPI document it publishes: a fetch that passes every exchange through
 * and throws on any answer the document does not describe — an undocumented path, method, status,
 * header or media type, or a body its schema refuses (a field missing, or one it does not name).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
interface ResponseObject {
  headers?: Record<string, unknown>;
  content?: Record<string, unknown>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, ResponseObject> }>>;
}

/** Headers every answer carries whatever the route: HTTP's own and the browser security policy. */
const TRANSPORT_HEADERS = new Set([
  'connection',
  'content-encoding',
  'content-length',
  'content-type',
  'date',
  'transfer-encoding',
  'vary',
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'permissions-policy',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-frame-options',
]);

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Objects that do not say otherwise take no property they do not name: a field added unnoticed fails. */
function closed(value: Json): Json {
  if (Array.isArray(value)) return value.map(closed);
  if (!isObject(value)) return value;
  const copy = Object.fromEntries(Object.entries(value).map(([key, child]) => [key, closed(child)]));
  if (isObject(value.properties) && !('additionalProperties' in value)) copy.additionalProperties = false;
  return copy;
}

const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

export interface ContractCheck {
  /** A fetch for openapi-fetch that answers through `handle` and checks each answer. */
  fetch(request: Request): Promise<Response>;
  /** The operationIds the answers checked so far came from. */
  readonly operationsSeen: ReadonlySet<string>;
}

export function contractCheck(document: unknown, handle: (request: Request) => Promise<Response>): ContractCheck {
  const spec = document as OpenApiDocument;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(closed(document as Json) as JsonObject, 'openapi.json');
  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (path: string) => {
    const validate = validators.get(path) ?? ajv.compile({ $ref: `openapi.json#/${path}` });
    validators.set(path, validate);
    return validate;
  };
  const templates = Object.keys(spec.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replaceAll('.', '\\.')}$`),
  }));
  const operationsSeen = new Set<string>();

  async function check(request: Request, response: Response) {
    const url = new URL(request.url);
    const method = request.method.toLowerCase();
    const where = `${request.method} ${url.pathname} → ${response.status}`;
    const template = templates.find(({ pattern }) => pattern.test(url.pathname))?.template;
    const operation = template ? spec.paths[template]?.[method] : undefined;
    if (!template || !operation) throw new Error(`${where}: no such operation in the document`);
    operationsSeen.add(operation.operationId ?? `${method} ${template}`);
    const documented = operation.responses?.[String(response.status)];
    if (!documented) throw new Error(`${where}: status not documented for this operation`);
    const named = new Set(Object.keys(documented.headers ?? {}).map((name) => name.toLowerCase()));
    const undocumented = Object.keys(response.headers.toJSON()).filter(
      (name) => !TRANSPORT_HEADERS.has(name) && !named.has(name),
    );
    if (undocumented.length > 0) throw new Error(`${where}: headers not documented: ${undocumented.join(', ')}`);
    const body = await response.clone().text();
    if (!documented.content) {
      if (body !== '') throw new Error(`${where}: a body where the document says there is none`);
      return;
    }
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    if (!(mediaType in documented.content)) throw new Error(`${where}: media type ${mediaType} not documented`);
    if (mediaType !== 'application/json') return;
    const validate = validatorAt(
      pointer('paths', template, method, 'responses', String(response.status), 'content', mediaType, 'schema'),
    );
    if (!validate(JSON.parse(body))) {
      throw new Error(`${where}: the body does not match the document: ${JSON.stringify(validate.errors)}`);
    }
  }

  return {
    async fetch(request) {
      const response = await handle(request.clone());
      await check(request, response);
      return response;
    },
    operationsSeen,
  };
}
