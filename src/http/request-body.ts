import { HttpError } from './http-error';

/** Bodies above this are refused before they are read (Content-Length) or while read (chunked). */
export const BODY_LIMIT_BYTES = 64 * 1024;

export class PayloadTooLargeError extends HttpError {
  constructor() {
    super(413, 'payload_too_large', `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KB`);
  }
}

/** Answers 413 from the headers alone, so an oversized upload is never buffered. */
export function declaresOversizedBody(request: Request): boolean {
  const length = Number(request.headers.get('content-length') ?? 0);
  return length > BODY_LIMIT_BYTES;
}

const isJsonType = (contentType: string) => /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType);

/** Reads a JSON body strictly: JSON content type (415), at most the limit (413), valid JSON (400). */
export async function readJsonBody(request: Request): Promise<unknown> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!isJsonType(contentType)) {
    throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json', [
      { field: 'content-type', message: `must be application/json, got "${contentType || 'none'}"` },
    ]);
  }
  const text = await readLimitedText(request);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'malformed_json', 'The request body is not valid JSON', [
      { field: 'body', message: (error as Error).message },
    ]);
  }
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
