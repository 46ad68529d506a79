import { characterCount, firstCharacters } from '../lib/characters';

/**
 * One-time messages across a redirect ("Added “Buy milk”"), carried in a short-lived cookie that
 * the next page reads and clears. Rendered escaped like any user data: a forged cookie can only
 * show its own text to its own browser. The value is base64url JSON, so it needs no escaping in a
 * cookie. Read straight from the Cookie header and written as Set-Cookie lines, as the session
 * cookie is (src/accounts/session-cookie.ts): a route that read Elysia's cookie jar made Elysia
 * parse every signed-in request's cookies, about a sixth of a cached page's time.
 */

export interface Flash {
  kind: 'status' | 'alert';
  text: string;
  /** The id of the control the next page puts the keyboard focus in (the add form's title after an add). */
  focus?: string;
  /** A change the message offers to take back ("Deleted “Buy milk”" · Undo), as the form that does it. */
  undo?: FlashUndo;
  /**
   * Form fields the next page shows as they were (the add form's priority and due date, kept from
   * one add to the next). Only their shape is checked here; the page checks their meaning.
   */
  keep?: Record<string, string>;
}

/** A form of ours, as a message offers it: the route it posts to and the fields it sends. */
export interface FlashUndo {
  path: string;
  fields: Record<string, string>;
}

/**
 * A route a message may offer as its undo, by pattern: the cookie is the browser's to change, so an
 * undo read back from it is kept only when it names one of these with exactly its fields.
 */
export interface UndoRoute {
  path: RegExp;
  fields: Record<string, RegExp>;
}

const MAX_TEXT = 500;
/**
 * The cookie's longest value. It is sent in a Set-Cookie header beside a redirect's Location, and
 * a proxy reads all of an answer's headers into one buffer (4 KB by nginx's default); a message
 * whose text (a task's title, 200 emoji at most) would not fit is cut until it does.
 */
const MAX_VALUE = 1024;
const ATTRIBUTES = 'Path=/; HttpOnly; SameSite=Lax';
const FLASH = /(?:^|;\s*)flash=([^;]*)/;
const ELEMENT_ID = /^[a-z][a-z0-9-]{0,40}$/;
const FIELD_NAME = /^[a-z][a-z_]{0,40}$/;
const KEPT_FIELDS_MAX = 4;
const KEPT_VALUE_MAX = 40;

/** The Set-Cookie line that leaves a message for the next page; Secure when the browser reached us over HTTPS. */
export function flashCookie(message: Flash, secure: boolean): string {
  const value = encodeFlash(message, firstCharacters(message.text, MAX_TEXT));
  return `flash=${value}; ${ATTRIBUTES}; Max-Age=60${secure ? '; Secure' : ''}`;
}

function encodeFlash({ kind, focus, undo, keep }: Omit<Flash, 'text'>, text: string): string {
  const value = Buffer.from(JSON.stringify({ kind, text, focus, undo, keep: keptFields(keep) })).toString('base64url');
  if (value.length <= MAX_VALUE) return value;
  // Shorter by the share that does not fit; each round cuts at least one character.
  const characters = characterCount(text);
  const shorter = firstCharacters(text, Math.floor((characters * MAX_VALUE) / value.length));
  return encodeFlash({ kind, focus, undo, keep }, shorter);
}

/** The kept fields that have a sensible shape (a few short strings by name), or none. */
function keptFields(keep: unknown): Record<string, string> | undefined {
  if (typeof keep !== 'object' || keep === null || Array.isArray(keep)) return undefined;
  const fields = Object.entries(keep)
    .filter(([name, value]) => FIELD_NAME.test(name) && typeof value === 'string' && value.length <= KEPT_VALUE_MAX)
    .slice(0, KEPT_FIELDS_MAX);
  return fields.length ? Object.fromEntries(fields) : undefined;
}

/**
 * The message left for this page, if any, and the Set-Cookie lines that clear it so it shows once
 * (a cookie we cannot read is cleared too, and treated as no message). Its undo is kept only when
 * it is one of `undoRoutes`.
 */
export function takeFlash(
  cookieHeader: string | undefined,
  undoRoutes: readonly UndoRoute[] = [],
): { flash: Flash | null; clear: string[] } {
  const raw = cookieHeader ? FLASH.exec(cookieHeader)?.[1] : undefined;
  if (raw === undefined) return { flash: null, clear: [] };
  return { flash: decodeFlash(raw, undoRoutes), clear: [`flash=; ${ATTRIBUTES}; Max-Age=0`] };
}

function decodeFlash(raw: string, undoRoutes: readonly UndoRoute[]): Flash | null {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Record<keyof Flash, unknown>>;
    if ((parsed.kind === 'status' || parsed.kind === 'alert') && typeof parsed.text === 'string') {
      const focus = typeof parsed.focus === 'string' && ELEMENT_ID.test(parsed.focus) ? parsed.focus : undefined;
      const undo = undoRoutes.length ? undoOf(parsed.undo, undoRoutes) : undefined;
      const keep = keptFields(parsed.keep);
      return {
        kind: parsed.kind,
        text: firstCharacters(parsed.text, MAX_TEXT),
        ...(focus ? { focus } : {}),
        ...(undo ? { undo } : {}),
        ...(keep ? { keep } : {}),
      };
    }
  } catch {
    // A cookie we cannot read is treated as no message.
  }
  return null;
}

/** The undo a cookie names, when it is one of the routes given with exactly that route's fields; else none. */
function undoOf(value: unknown, undoRoutes: readonly UndoRoute[]): FlashUndo | undefined {
  const { path, fields } = (value ?? {}) as Partial<Record<keyof FlashUndo, unknown>>;
  if (typeof path !== 'string' || typeof fields !== 'object' || fields === null) return undefined;
  const given = Object.entries(fields);
  const fits = (route: UndoRoute) => {
    const expected = Object.entries(route.fields);
    return (
      route.path.test(path) &&
      given.length === expected.length &&
      expected.every(([name, pattern]) => {
        const field = (fields as Record<string, unknown>)[name];
        return Object.hasOwn(fields, name) && typeof field === 'string' && pattern.test(field);
      })
    );
  };
  return undoRoutes.some(fits) ? { path, fields: Object.fromEntries(given) as Record<string, string> } : undefined;
}
