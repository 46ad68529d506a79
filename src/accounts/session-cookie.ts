/**
 * The session cookie. Over HTTPS it is `__Host-tm_session`: the prefix makes browsers refuse it
 * unless it is Secure, host-only and for Path=/, so no subdomain or plain-HTTP page can plant or
 * shadow it. On plain-HTTP localhost (a first run) browsers refuse `__Host-` cookies, so it is
 * `tm_session` there. Both are HttpOnly (no script reads it) and SameSite=Lax (no other site's
 * form posts it).
 */

const SECURE_NAME = '__Host-tm_session';
const PLAIN_NAME = 'tm_session';
// Read straight from the header, not through a cookie parser: this runs on every signed-in request.
const SECURE_ID = /(?:^|;\s*)__Host-tm_session=([A-Za-z0-9_-]{43})\s*(?:;|$)/;
const PLAIN_ID = /(?:^|;\s*)tm_session=([A-Za-z0-9_-]{43})\s*(?:;|$)/;

/**
 * The session id a request carries, if it is shaped like one of ours: over HTTPS only from the
 * `__Host-` cookie. A plain `tm_session` there could have been planted by a sibling subdomain or a
 * plain-HTTP page of the parent domain (which may set cookies for this host, with a longer path
 * that browsers send first); believing it would sign the victim in as the planter.
 */
export function sessionIdOf(cookieHeader: string | undefined, overHttps: boolean): string | undefined {
  return cookieHeader ? (overHttps ? SECURE_ID : PLAIN_ID).exec(cookieHeader)?.[1] : undefined;
}

const ATTRIBUTES = 'Path=/; HttpOnly; SameSite=Lax';

/** Sets a new session; the browser keeps it until the session's absolute expiry. */
export function sessionCookie(id: string, overHttps: boolean, maxAgeMs: number): string {
  const maxAge = `Max-Age=${Math.floor(maxAgeMs / 1000)}`;
  return overHttps
    ? `${SECURE_NAME}=${id}; ${ATTRIBUTES}; Secure; ${maxAge}`
    : `${PLAIN_NAME}=${id}; ${ATTRIBUTES}; ${maxAge}`;
}

/** Removes the session cookie under both names (a browser may hold either). */
export const clearedSessionCookies = (): string[] => [
  `${SECURE_NAME}=; ${ATTRIBUTES}; Secure; Max-Age=0`,
  `${PLAIN_NAME}=; ${ATTRIBUTES}; Max-Age=0`,
];
