import { connect } from 'node:net';

/**
 * Sends bytes exactly as given to a server and reads the answer: fetch() refuses to send a
 * malformed Host, HTTP/1.0 without one, or CONNECT, and those are what a scanner sends.
 */

export interface RawReply {
  status: number;
  /** Header names lower-cased; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
}

/** One request on its own connection; the answer ends at Content-Length, or when the server closes. */
export function sendRaw(port: number, request: string, timeoutMs = 3_000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const timer = setTimeout(() => finish(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      const reply = error ? undefined : parseReply(received);
      if (reply) resolve(reply);
      else reject(error ?? new Error(`not an HTTP answer: ${JSON.stringify(received.toString('latin1'))}`));
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (isComplete(received)) finish();
    });
    socket.on('end', () => finish());
    socket.on('error', (error) => finish(error));
  });
}

function split(bytes: Buffer): { head: string; body: Buffer } | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return null;
  return { head: bytes.subarray(0, end).toString('latin1'), body: bytes.subarray(end + 4) };
}

function isComplete(bytes: Buffer): boolean {
  const parts = split(bytes);
  const length = parts ? /\r\ncontent-length: *(\d+)/i.exec(parts.head)?.[1] : undefined;
  return parts !== null && length !== undefined && parts.body.length >= Number(length);
}

function parseReply(bytes: Buffer): RawReply | null {
  const parts = split(bytes);
  const [statusLine = '', ...lines] = parts?.head.split('\r\n') ?? [];
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  if (!parts || !status) return null;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(status), headers, body: parts.body.toString('utf8') };
}
