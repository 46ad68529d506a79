import { DOCUMENTED_AS } from './api-schemas';

/**
 * The OpenAPI document as published, from the one @elysiajs/openapi generates from the route
 * schemas. The plugin writes each schema out in full at every use and keeps Elysia's own keywords;
 * clients and linters want named, reusable schemas and standard JSON Schema. Every step here is a
 * pure function of the generated document (which the plugin caches and must not be changed).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Schema = { [key: string]: Json };
interface MediaType {
  schema?: Schema;
  example?: Json;
}
interface ResponseObject {
  description: string;
  headers?: Record<string, Json>;
  content?: Record<string, MediaType>;
}
interface Operation {
  parameters?: { schema?: Schema }[];
  requestBody?: { content?: Record<string, MediaType> };
  responses?: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas?: Record<string, Schema>; headers?: Record<string, Json> };
}

const COMPONENT_PREFIX = '#/components/schemas/';
/** Elysia's keywords (`error`: a field's message) and the $id its `.model` gives a schema. */
const NOT_JSON_SCHEMA = new Set(['error', '$id']);
/**
 * Keywords that may differ between a use of a named schema and the schema: a use's own
 * description and example, and the `additionalProperties: false` that Elysia writes into a
 * response schema object the first time it validates an answer with it (getSchemaValidator), so
 * that without this the document would depend on the requests served before it was generated.
 */
const PER_USE = new Set(['description', 'examples', 'additionalProperties']);

const isObject = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A schema's subschemas are rewritten by `rewrite`; its other keywords (enum, examples…) are data. */
function mapSubschemas(schema: Schema, rewrite: (schema: Schema) => Schema): Schema {
  const mapped: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if ((key === 'properties' || key === '$defs' || key === 'patternProperties') && isObject(value)) {
      mapped[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, rewrite(child as Schema)]));
    } else if (['anyOf', 'allOf', 'oneOf', 'prefixItems'].includes(key) && Array.isArray(value)) {
      mapped[key] = value.map((child) => rewrite(child as Schema));
    } else if (['items', 'additionalProperties', 'not', 'contains'].includes(key) && isObject(value)) {
      mapped[key] = rewrite(value);
    } else {
      mapped[key] = value;
    }
  }
  return mapped;
}

/** The schema a route schema says the document shows (DOCUMENTED_AS), and no Elysia keywords. */
function standardSchema(schema: Schema): Schema {
  const documented = schema[DOCUMENTED_AS];
  if (isObject(documented)) return documented;
  const kept = Object.fromEntries(Object.entries(schema).filter(([key]) => !NOT_JSON_SCHEMA.has(key)));
  return mapSubschemas(kept, standardSchema);
}

/** Two schemas accept the same, reading a $ref to a component as that component's title. */
function sameSchema(a: Json | undefined, b: Json | undefined): boolean {
  if (isObject(a) && isObject(b)) {
    const named = (schema: Schema) =>
      typeof schema.$ref === 'string' ? schema.$ref.slice(COMPONENT_PREFIX.length) : undefined;
    const nameA = named(a) ?? (named(b) ? a.title : undefined);
    const nameB = named(b) ?? (named(a) ? b.title : undefined);
    if (nameA !== undefined || nameB !== undefined) return nameA === nameB;
    const keys = (schema: Schema) => Object.keys(schema).filter((key) => !PER_USE.has(key));
    const keysA = keys(a);
    return keysA.length === keys(b).length && keysA.every((key) => sameSchema(a[key], b[key]));
  }
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => sameSchema(item, b[i]));
  return a === b;
}

/** Each schema that is a named component, written in full, becomes a $ref to it (inner ones first). */
function withReferences(schema: Schema, components: Record<string, Schema>): Schema {
  const inner = mapSubschemas(schema, (child) => withReferences(child, components));
  const name = typeof inner.title === 'string' ? inner.title : undefined;
  const component = name === undefined ? undefined : components[name];
  return component && sameSchema(inner, component) ? { $ref: `${COMPONENT_PREFIX}${name}` } : inner;
}

/**
 * A media type's schema with $refs where it uses named components. The example of this use (an
 * error's own code, say) moves to the media type, so every operation keeps its own example.
 */
function withNamedSchema(mediaType: MediaType, components: Record<string, Schema>): MediaType {
  if (!mediaType.schema) return mediaType;
  const { examples } = mediaType.schema;
  const { examples: _inSchema, ...schema } = withReferences(mediaType.schema, components);
  const example = mediaType.example ?? (Array.isArray(examples) ? examples[0] : undefined);
  return { ...mediaType, schema, ...(example !== undefined && { example }) };
}

/**
 * The plugin documents every string answer as text/plain. A string schema that names its
 * `contentMediaType` (JSON Schema's keyword for it) is documented under that type: text/csv.
 */
function withMediaTypes(content: Record<string, MediaType>): Record<string, MediaType> {
  const plain = content['text/plain'];
  const mediaType = plain?.schema?.contentMediaType;
  return plain && typeof mediaType === 'string' ? { [mediaType]: plain } : content;
}

/**
 * @elysiajs/openapi 1.4.16 writes a t.Void() response (our 204) as `content: { type, description }`,
 * which is not valid OpenAPI. A response without a body has a description and no content.
 */
const isBodiless = (content: Record<string, unknown>) => content.type === 'void';

/** The plugin puts a header's description in its schema; OpenAPI shows it from the header. */
function describedHeader(header: Json): Json {
  if (!isObject(header) || !isObject(header.schema) || header.description !== undefined) return header;
  const { description, ...schema } = header.schema;
  return description === undefined ? header : { ...header, description, schema };
}

function publishResponse(response: ResponseObject, components: Record<string, Schema>, common: Record<string, Json>) {
  const { content, headers = {}, ...rest } = response;
  const own = Object.fromEntries(Object.entries(headers).map(([name, header]) => [name, describedHeader(header)]));
  const published: ResponseObject = { ...rest, headers: { ...own, ...common } };
  if (content && !isBodiless(content)) {
    published.content = Object.fromEntries(
      Object.entries(withMediaTypes(content)).map(([type, mediaType]) => [
        type,
        withNamedSchema(mediaType, components),
      ]),
    );
  }
  return published;
}

function publishOperation(operation: Operation, components: Record<string, Schema>, common: Record<string, Json>) {
  const { requestBody, responses } = operation;
  return {
    ...operation,
    ...(requestBody?.content && {
      requestBody: {
        ...requestBody,
        content: Object.fromEntries(
          Object.entries(requestBody.content).map(([type, media]) => [type, withNamedSchema(media, components)]),
        ),
      },
    }),
    ...(responses && {
      responses: Object.fromEntries(
        Object.entries(responses).map(([status, response]) => [status, publishResponse(response, components, common)]),
      ),
    }),
  };
}

/**
 * The published document. `commonHeaders` are sent with every answer (a request id): each response
 * lists them. Schemas are made standard everywhere first, so that a use and its component compare.
 */
export function publishDocument(generated: OpenApiDocument, commonHeaders: Record<string, Json> = {}): OpenApiDocument {
  const document = mapAllSchemas(JSON.parse(JSON.stringify(generated)), standardSchema);
  const components = document.components.schemas ?? {};
  const named = Object.fromEntries(
    Object.entries(components).map(([name, schema]) => [
      name,
      mapSubschemas(schema, (child) => withReferences(child, components)),
    ]),
  );
  const paths = Object.fromEntries(
    Object.entries(document.paths).map(([path, operations]) => [
      path,
      Object.fromEntries(
        Object.entries(operations).map(([method, operation]) => [
          method,
          publishOperation(operation, components, commonHeaders),
        ]),
      ),
    ]),
  );
  return { ...document, paths, components: { ...document.components, schemas: named } };
}

/** Every schema of the document, wherever it sits, rewritten by `rewrite`: in place, on the copy publishDocument made. */
function mapAllSchemas(document: OpenApiDocument, rewrite: (schema: Schema) => Schema): OpenApiDocument {
  const inMedia = (content: Record<string, MediaType> | undefined) => {
    for (const mediaType of Object.values(content ?? {}))
      if (mediaType.schema) mediaType.schema = rewrite(mediaType.schema);
  };
  for (const operation of Object.values(document.paths).flatMap((operations) => Object.values(operations))) {
    for (const parameter of operation.parameters ?? [])
      if (parameter.schema) parameter.schema = rewrite(parameter.schema);
    inMedia(operation.requestBody?.content);
    for (const response of Object.values(operation.responses ?? {})) {
      if (response.content && !isBodiless(response.content)) inMedia(response.content);
      for (const header of Object.values(response.headers ?? {})) {
        if (isObject(header) && isObject(header.schema)) header.schema = rewrite(header.schema);
      }
    }
  }
  const schemas = document.components.schemas ?? {};
  for (const name of Object.keys(schemas)) schemas[name] = rewrite(schemas[name] as Schema);
  return document;
}
