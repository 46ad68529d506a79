/**
 * One-time messages across a redirect ("Added “Buy milk”"), carried in a short-lived cookie that
 * the next page reads and clears. Rendered escaped like any user data: a forged cookie can only
 * show its own text to its own browser.
 */

export interface Flash {
  kind: 'status' | 'alert';
  text: string;
}

const NAME = 'flash';
const MAX_TEXT = 500;

export function flashCookie(message: Flash | null): string {
  const attributes = 'Path=/; HttpOnly; SameSite=Lax';
  if (!message) return `${NAME}=; ${attributes}; Max-Age=0`;
  const value = encodeURIComponent(JSON.stringify({ kind: message.kind, text: message.text.slice(0, MAX_TEXT) }));
  return `${NAME}=${value}; ${attributes}; Max-Age=60`;
}

export function readFlash(request: Request): Flash | null {
  const raw = request.headers
    .get('cookie')
    ?.split(';')
    .map((pair) => pair.trim())
    .find((pair) => pair.startsWith(`${NAME}=`))
    ?.slice(NAME.length + 1);
  if (!raw) return null;
  try {
    const parsed = JSON.parse(decodeURIComponent(raw)) as Partial<Flash>;
    if ((parsed.kind === 'status' || parsed.kind === 'alert') && typeof parsed.text === 'string') {
      return { kind: parsed.kind, text: parsed.text.slice(0, MAX_TEXT) };
    }
  } catch {
    // A cookie we cannot read is treated as no message.
  }
  return null;
}
