import type { Task } from './model';
import { EXPORT_CONTENT_TYPES, exportFileName, exportWriter, type FileKind } from './transfer';

/**
 * An export as an HTTP answer: a download, streamed as the batches are read. Only one batch is
 * held at a time, and the next is read only when the client has taken the last (a stream with no
 * buffer of its own pulls on demand), so a slow client slows the reading instead of filling memory.
 */
export async function exportAnswer(batches: AsyncGenerator<Task[]>, kind: FileKind, now: Date): Promise<Response> {
  // Read before answering: a database that cannot serve the first batch is a 503, not a cut file.
  const first = await batches.next();
  const pieces = piecesOf(first, batches, kind, now);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const piece = await pieces.next();
        if (piece.done) controller.close();
        else controller.enqueue(encoder.encode(piece.value));
      },
      async cancel() {
        await batches.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    headers: {
      'content-type': EXPORT_CONTENT_TYPES[kind],
      'content-disposition': `attachment; filename="${exportFileName(kind, now)}"`,
      'cache-control': 'no-store',
    },
  });
}

async function* piecesOf(
  first: IteratorResult<Task[]>,
  batches: AsyncGenerator<Task[]>,
  kind: FileKind,
  now: Date,
): AsyncGenerator<string> {
  const writer = exportWriter(kind, now);
  yield writer.opening;
  for (let next = first; !next.done; next = await batches.next()) yield writer.batch(next.value);
  if (writer.closing) yield writer.closing;
}
