import { HttpError } from './http-error';

/** Bodies above this are refused before they are read (Content-Length) or while read (chunked). */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** How large a body a route takes, and what to tell a client whose body is larger. */
export interface BodyLimit {
  bytes: number;
  message: string;
}

export const DEFAULT_BODY_LIMIT: BodyLimit = {
  bytes: BODY_LIMIT_BYTES,
  message: `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KB`,
};

/**
 * Answered with Connection: close: the rest of an oversized body is never read, so the connection
 * cannot carry another request.
 */
export class PayloadTooLargeError extends HttpError {
  constructor(message = DEFAULT_BODY_LIMIT.message) {
    super(413, 'payload_too_large', message, [], { connection: 'close' });
  }
}

/** Answers 413 from the headers alone, so an oversized upload is never buffered. */
export function declaresOversizedBody(request: Request, limitBytes = BODY_LIMIT_BYTES): boolean {
  const length = Number(request.headers.get('content-length') ?? 0);
  return length > limitBytes;
}

/** Our schemas are flat; deeper JSON is refused before validation, whose error walk recurses per level. */
const JSON_DEPTH_MAX = 32;

const isJsonType = (contentType: string) => /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType);
const isFormType = (contentType: string) => /^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType);
const isMultipartType = (contentType: string) => /^multipart\/form-data\s*;/i.test(contentType);

/** Refuses (415) a body whose content type is not the one the route reads. */
function requireContentType(request: Request, accepts: (contentType: string) => boolean, expected: string) {
  const contentType = request.headers.get('content-type') ?? '';
  if (accepts(contentType)) return;
  throw new HttpError(415, 'unsupported_media_type', `Send the body as ${expected}`, [
    { field: 'content-type', message: `must be ${expected}, got "${contentType || 'none'}"` },
  ]);
}

/**
 * Reads a JSON body strictly: JSON content type (415), at most the limit (413), nested at most
 * JSON_DEPTH_MAX deep and valid JSON (400).
 */
export async function readJsonBody(request: Request): Promise<unknown> {
  requireContentType(request, isJsonType, 'application/json');
  const text = await readLimitedText(request);
  if (nestsDeeperThan(text, JSON_DEPTH_MAX)) {
    throw new HttpError(400, 'too_deep', `The JSON body nests arrays or objects more than ${JSON_DEPTH_MAX} deep`, [
      { field: 'body', message: `must nest at most ${JSON_DEPTH_MAX} levels deep` },
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'malformed_json', 'The request body is not valid JSON', [
      { field: 'body', message: (error as Error).message },
    ]);
  }
}

/**
 * Reads an HTML form post: urlencoded, as browsers and htmx send our forms (415 otherwise, so no
 * JSON reaches the form routes), at most the limit (413). A repeated field keeps its last value.
 */
export async function readFormBody(request: Request, limit = DEFAULT_BODY_LIMIT): Promise<Record<string, string>> {
  return Object.fromEntries(await readFormParams(request, limit));
}

/** The same form post with every value of a repeated field (a checkbox per task). */
export async function readFormParams(request: Request, limit = DEFAULT_BODY_LIMIT): Promise<URLSearchParams> {
  requireContentType(request, isFormType, 'application/x-www-form-urlencoded');
  return new URLSearchParams(await readLimitedText(request, limit));
}

/**
 * For `parse`: reads nothing, so that the handler reads the body itself, after the accounts gate
 * (which runs after parse): a large upload is read for a signed-in account only.
 */
export const bodyReadByHandler = () => 'read by the handler';

/** A file sent from a file input. */
export interface UploadedFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * The file a multipart form sent in `field` (a file input), read within the limit; null when the
 * form holds none there (no file was chosen). 415 for any other kind of body, 400 for a multipart
 * body that cannot be read.
 */
export async function readMultipartFile(
  request: Request,
  field: string,
  limit: BodyLimit,
): Promise<UploadedFile | null> {
  requireContentType(request, isMultipartType, 'multipart/form-data');
  const bytes = await readLimitedBytes(request, limit);
  let form: FormData;
  try {
    form = await new Response(bytes, {
      headers: { 'content-type': request.headers.get('content-type') ?? '' },
    }).formData();
  } catch {
    throw new HttpError(400, 'malformed_body', 'The form could not be read', [
      { field: 'body', message: 'is not a readable multipart/form-data body' },
    ]);
  }
  const file = form.get(field);
  if (!(file instanceof File) || file.size === 0) return null;
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

/** Whether arrays and objects nest deeper than `max`, brackets inside strings not counting. Linear, no recursion. */
function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '[' || char === '{') {
      if (++depth > max) return true;
    } else if (char === ']' || char === '}') depth--;
  }
  return false;
}

/** The body's bytes, refused (413) from the first byte over the limit. */
export async function readLimitedBytes(request: Request, limit = DEFAULT_BODY_LIMIT): Promise<Uint8Array<ArrayBuffer>> {
  if (!request.body) return new Uint8Array();
  // A body with a Content-Length within the limit cannot run longer (HTTP/1.1 framing): read at
  // once. Streamed chunk by chunk it cost about 7 % of a create's CPU. Chunked bodies stream below.
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) <= limit.bytes) return await request.bytes();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > limit.bytes) {
      await reader.cancel();
      throw new PayloadTooLargeError(limit.message);
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks);
}

async function readLimitedText(request: Request, limit = DEFAULT_BODY_LIMIT): Promise<string> {
  return new TextDecoder('utf-8', { fatal: false }).decode(await readLimitedBytes(request, limit));
}
