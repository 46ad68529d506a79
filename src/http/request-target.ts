import { Elysia } from 'elysia';
import { HttpError } from './http-error';

/**
 * The longest path and query we read. Parts of the URL come back in headers (a redirect's
 * Location), a proxy reads all of an answer's headers into one buffer (4 KB by nginx's default), and
 * no link of ours comes near this: a list page's URL stays under 1.2 KB (src/tasks/list-view.ts).
 */
const REQUEST_TARGET_MAX = 4096;

/** The length of an absolute URL's path and query, found without parsing it (a hostile Host cannot make it throw). */
function targetLength(url: string): number {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start === -1 ? 0 : url.length - start;
}

/** Refuses (414) an over-long address before any route reads it. */
export function requestTargetLimit() {
  return new Elysia({ name: 'request-target-limit' }).onRequest(({ request }) => {
    if (targetLength(request.url) > REQUEST_TARGET_MAX) {
      throw new HttpError(414, 'uri_too_long', `The address is longer than ${REQUEST_TARGET_MAX} characters`);
    }
  });
}
