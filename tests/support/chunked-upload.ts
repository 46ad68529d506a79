import { connect, type Socket } from 'node:net';

/**
 * HTTP/1.1 over a bare socket, for what fetch and `app.handle` hide: a body sent with
 * Transfer-Encoding: chunked in chunks of our choosing, and whether the server closes the
 * connection after answering.
 */

export interface RawReply {
  status: number;
  /** Header names in lower case. */
  headers: Map<string, string>;
  body: string;
  /** The server closed the connection after its answer. */
  closed: boolean;
}

/** How long to wait, after a whole answer, for the server to close the connection. */
const CLOSE_WAIT_MS = 1_000;

/**
 * A pause after each chunk, for an answer to arrive before we write again. A server that refuses
 * early (Bun) closes with our data unread; the kernel then resets the connection, and a write
 * that meets the reset makes the socket discard the answer it had already received.
 */
const PAUSE_MS = 20;

/**
 * Sends `body` chunked, `chunkSize` bytes a chunk, and reads the answer. Stops sending as soon as
 * the server answers, as a client does when refused early.
 */
export async function postChunked(
  origin: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
  chunkSize = 16 * 1024,
): Promise<RawReply> {
  const { hostname, port } = new URL(origin);
  const socket = connect(Number(port), hostname);
  const reply = readReply(socket);
  const answering = new Promise((resolve) => socket.once('data', resolve));
  socket.on('error', () => {});
  const head = Object.entries({ host: `${hostname}:${port}`, ...headers, 'transfer-encoding': 'chunked' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const frames = [Buffer.from(`POST ${path} HTTP/1.1\r\n${head}\r\n`)];
  for (let offset = 0; offset < body.length; offset += chunkSize) {
    const chunk = body.subarray(offset, offset + chunkSize);
    frames.push(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
  }
  frames.push(Buffer.from('0\r\n\r\n'));
  for (const frame of frames) {
    if (socket.destroyed || socket.bytesRead > 0) break;
    await write(socket, frame);
    await Promise.race([answering, Bun.sleep(PAUSE_MS)]);
  }
  const result = await reply;
  socket.destroy();
  return result;
}

function write(socket: Socket, data: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (socket.write(data)) resolve();
    else socket.once('drain', resolve).once('close', resolve);
  });
}

/** The first answer on the socket (its body by Content-Length), then whether the server closes. */
function readReply(socket: Socket): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    let parsed: (Omit<RawReply, 'closed' | 'body'> & { bodyStart: number; length: number }) | undefined;
    let done = false;
    const finish = (closed: boolean) => {
      if (done || !parsed) return;
      done = true;
      const body = received.subarray(parsed.bodyStart, parsed.bodyStart + parsed.length).toString('utf8');
      resolve({ status: parsed.status, headers: parsed.headers, body, closed });
    };
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      parsed ??= parseHead(received);
      if (parsed && received.length >= parsed.bodyStart + parsed.length) {
        setTimeout(() => finish(false), CLOSE_WAIT_MS);
      }
    });
    socket.on('close', () => {
      if (parsed) finish(true);
      else reject(new Error(`the connection closed before an answer: ${JSON.stringify(received.toString())}`));
    });
  });
}

function parseHead(received: Buffer) {
  const end = received.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  const status = Number(statusLine.split(' ')[1]);
  return { status, headers, bodyStart: end + 4, length: Number(headers.get('content-length') ?? 0) };
}
