/**
 * A path on our own site to send a browser back to (after sign-in, say), taken from something the
 * client sent: anything that could leave the site (`//evil.example`, `/\evil.example`, a scheme)
 * becomes the fallback. Bounded, because it travels in a Location header, and a proxy reads all of
 * an answer's headers into one buffer (4 KB by nginx's default).
 */
const BASE = 'http://task-manager.invalid';
const MAX_LENGTH = 1024;

export function localPath(value: string | undefined | null, fallback = '/'): string {
  if (!value) return fallback;
  try {
    const url = new URL(value, BASE);
    const path = `${url.pathname}${url.search}`;
    if (url.origin !== BASE || path.startsWith('//') || path.length > MAX_LENGTH) return fallback;
    return path;
  } catch {
    return fallback;
  }
}
