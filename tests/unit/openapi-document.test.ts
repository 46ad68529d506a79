import { expect, test } from 'bun:test';
import { DOCUMENTED_AS } from '../../src/http/api-schemas';
import { type OpenApiDocument, publishDocument } from '../../src/http/openapi-document';

/** publishDocument on documents shaped as @elysiajs/openapi writes them. */

const Note = {
  title: 'Note',
  type: 'object',
  required: ['id', 'error'],
  properties: { id: { type: 'integer' }, error: { type: 'string', error: 'must be a string' } },
  $id: '#/components/schemas/Note',
};

const generated = (schema: Record<string, unknown>, parameters: unknown[] = []) =>
  ({
    paths: {
      '/api/notes/{id}': {
        get: {
          parameters,
          responses: {
            '200': {
              description: 'The note',
              headers: { ETag: { schema: { type: 'string', description: 'The version' } } },
              content: { 'application/json': { schema } },
            },
            '204': { description: 'Gone', content: { type: 'void', description: 'Gone' } },
          },
        },
      },
    },
    components: {
      schemas: {
        Note,
        NotePage: { title: 'NotePage', type: 'object', properties: { items: { type: 'array', items: Note } } },
      },
    },
  }) as unknown as OpenApiDocument;

const responseOf = (document: OpenApiDocument, status: string) =>
  document.paths['/api/notes/{id}']?.get?.responses?.[status];

test('a named schema written out in full becomes a $ref, and the example of that use moves to the media type', () => {
  const example = { id: 1, error: 'none' };
  const published = publishDocument(generated({ ...Note, description: 'The note', examples: [example] }));
  expect(responseOf(published, '200')?.content?.['application/json']).toEqual({
    schema: { $ref: '#/components/schemas/Note' },
    example,
  });
  // Inside components too, and nothing else of the component changes.
  expect(published.components.schemas?.NotePage?.properties).toEqual({
    items: { type: 'array', items: { $ref: '#/components/schemas/Note' } },
  });
});

test('a schema that carries a component’s title but differs from it stays written out, so the mismatch shows', () => {
  const different = { ...Note, required: ['id'] };
  const published = publishDocument(generated(different));
  expect(responseOf(published, '200')?.content?.['application/json']?.schema?.title).toBe('Note');
});

test('Elysia’s error keyword and $id go, a property named error stays', () => {
  const published = publishDocument(generated({ type: 'string', error: 'must be text' }));
  expect(responseOf(published, '200')?.content?.['application/json']?.schema).toEqual({ type: 'string' });
  expect(published.components.schemas?.Note).toEqual({
    title: 'Note',
    type: 'object',
    required: ['id', 'error'],
    properties: { id: { type: 'integer' }, error: { type: 'string' } },
  });
});

test('a parameter schema that names its documented form is shown as that form', () => {
  const id = { type: 'string', pattern: '^[1-9][0-9]*$', [DOCUMENTED_AS]: { type: 'integer', minimum: 1 } };
  const published = publishDocument(generated({ type: 'string' }, [{ name: 'id', in: 'path', schema: id }]));
  expect(published.paths['/api/notes/{id}']?.get?.parameters?.[0]?.schema).toEqual({ type: 'integer', minimum: 1 });
});

test('headers get their description, every response the common headers, a void response no content', () => {
  const common = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
  const published = publishDocument(generated({ type: 'string' }), common);
  expect(responseOf(published, '200')?.headers).toEqual({
    ETag: { description: 'The version', schema: { type: 'string' } },
    ...common,
  });
  expect(responseOf(published, '204')).toEqual({ description: 'Gone', headers: common });
});

test('the generated document is left as it was: the plugin keeps and serves it again', () => {
  const document = generated({ ...Note });
  const before = JSON.stringify(document);
  publishDocument(document, { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } });
  expect(JSON.stringify(document)).toBe(before);
});
