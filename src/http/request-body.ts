import { HttpError } from './http-error';

/** Bodies above this are refused before they are read (Content-Length) or while read (chunked). */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Answered with Connection: close: the rest of an oversized body is never read, so the connection
 * cannot carry another request.
 */
export class PayloadTooLargeError extends HttpError {
  constructor() {
    super(413, 'payload_too_large', `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KB`, [], {
      connection: 'close',
    });
  }
}

/** Answers 413 from the headers alone, so an oversized upload is never buffered. */
export function declaresOversizedBody(request: Request): boolean {
  const length = Number(request.headers.get('content-length') ?? 0);
  return length > BODY_LIMIT_BYTES;
}

/** Our schemas are flat; deeper JSON is refused before validation, whose error walk recurses per level. */
const JSON_DEPTH_MAX = 32;

const isJsonType = (contentType: string) => /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType);
const isFormType = (contentType: string) => /^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType);

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
export async function readFormBody(request: Request): Promise<Record<string, string>> {
  return Object.fromEntries(await readFormParams(request));
}

/** The same form post with every value of a repeated field (a checkbox per task). */
export async function readFormParams(request: Request): Promise<URLSearchParams> {
  requireContentType(request, isFormType, 'application/x-www-form-urlencoded');
  return new URLSearchParams(await readLimitedText(request));
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

async function readLimitedText(request: Request): Promise<string> {
  if (!request.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > BODY_LIMIT_BYTES) {
      await reader.cancel();
      throw new PayloadTooLargeError();
    }
    chunks.push(read.value);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}
