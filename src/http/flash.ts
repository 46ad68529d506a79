import type { Cookie } from 'elysia';

/**
 * One-time messages across a redirect ("Added “Buy milk”"), carried in a short-lived cookie that
 * the next page reads and clears. Rendered escaped like any user data: a forged cookie can only
 * show its own text to its own browser. The value is base64url JSON: Elysia decodes cookie values
 * twice, so a message holding "%" would not survive percent-encoding.
 */

export interface Flash {
  kind: 'status' | 'alert';
  text: string;
}

type FlashCookie = Cookie<unknown>;

const MAX_TEXT = 500;
/**
 * The cookie's longest value. It is sent in a Set-Cookie header beside a redirect's Location, and
 * a proxy reads all of an answer's headers into one buffer (4 KB by nginx's default); a message
 * whose text (a task's title, 200 emoji at most) would not fit is cut until it does.
 */
const MAX_VALUE = 1024;

/** Leaves a message for the next page; Secure when the browser reached us over HTTPS. */
export function setFlash(cookie: FlashCookie, message: Flash, secure: boolean): void {
  const value = encodeFlash(message.kind, firstCharacters(message.text, MAX_TEXT));
  cookie.set({ value, path: '/', httpOnly: true, sameSite: 'lax', maxAge: 60, secure });
}

function encodeFlash(kind: Flash['kind'], text: string): string {
  const value = Buffer.from(JSON.stringify({ kind, text })).toString('base64url');
  if (value.length <= MAX_VALUE) return value;
  // Shorter by the share that does not fit; each round cuts at least one character.
  const characters = [...text].length;
  return encodeFlash(kind, firstCharacters(text, Math.floor((characters * MAX_VALUE) / value.length)));
}

/** Cut by characters (code points), never inside an emoji's surrogate pair. */
const firstCharacters = (text: string, count: number) => [...text].slice(0, count).join('');

/** The message left for this page, if any, cleared so it shows once. */
export function takeFlash(cookie: FlashCookie): Flash | null {
  if (typeof cookie.value !== 'string') return null;
  const raw = cookie.value;
  cookie.remove();
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Flash>;
    if ((parsed.kind === 'status' || parsed.kind === 'alert') && typeof parsed.text === 'string') {
      return { kind: parsed.kind, text: firstCharacters(parsed.text, MAX_TEXT) };
    }
  } catch {
    // A cookie we cannot read is treated as no message.
  }
  return null;
}
