import type { Connection } from 'mysql2/promise';
import { type LiveAccount, signUpLive } from '../harness/live-server';
import { startApp } from './app-process';
import { scalar } from './database';
import type { Endpoint } from './endpoints';
import type { LoadSpec } from './wrk';

/**
 * The bench signs in as a person would before it measures anything: every page row sends the
 * account's session cookie and every API row its token, as a browser and a script do. A row that
 * is answered 303 (to the sign-in page) or 401 measures the gate's refusal, not the page, so any
 * such answer stops the bench (see expectSignedIn).
 */

/** The account a size's tasks belong to, with its id for the seed. */
export interface BenchAccount extends LiveAccount {
  id: number;
}

/**
 * Runs the app once on a size's fresh database, so its migrations build the schema, and signs up
 * there through the sign-up form: the first account, which the seeded tasks are given to.
 */
export async function signUpOn(databaseUrl: string, sql: Connection): Promise<BenchAccount> {
  const app = await startApp(databaseUrl);
  try {
    const account = await signUpLive(app.origin);
    const id = Number(await scalar(sql, 'SELECT id FROM users WHERE email = ?', [account.email]));
    if (!id) throw new Error(`signed up ${account.email}, but no such account is stored`);
    return { ...account, id };
  } finally {
    await app.stop();
  }
}

export function credentialHeaders(
  credential: Endpoint['credential'],
  account: Pick<LiveAccount, 'cookie' | 'token'>,
): Record<string, string> {
  return credential === 'session' ? { Cookie: account.cookie } : { Authorization: `Bearer ${account.token}` };
}

/** The endpoint's request as this account sends it. */
export function signedInLoad(endpoint: Endpoint, account: Pick<LiveAccount, 'cookie' | 'token'>): LoadSpec {
  return {
    ...endpoint.load,
    headers: { ...endpoint.load.headers, ...credentialHeaders(endpoint.credential, account) },
  };
}

/** A row that does not measure what its label says; run.ts lets it end the bench. */
export class NotSignedInError extends Error {}

/**
 * One request as the load sends it, redirects not followed: the answer must be a 2xx. wrk counts
 * only answers over 399 as errors, so a page row answered 303 would look like a fast page; this
 * check before and after each run of a row without a status check of its own closes that gap (a
 * session cannot come back once lost, so 2xx at both ends means 2xx between).
 */
export async function expectSignedIn(label: string, url: string, load: LoadSpec): Promise<Response> {
  const headers = new Headers(load.headers);
  // Bun's fetch sends an Accept-Encoding of its own unless told otherwise: ask as the load does.
  if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'identity');
  const response = await fetch(url, { headers, redirect: 'manual', decompress: false });
  if (response.status < 200 || response.status > 299) {
    const where = response.headers.get('location');
    throw new NotSignedInError(
      `${label} answered ${response.status}${where ? ` (to ${where})` : ''} with the bench's credentials: ` +
        'it would not measure what it says',
    );
  }
  return response;
}
