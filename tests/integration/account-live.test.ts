import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type LiveServer, startLiveServer } from '../../harness/live-server';
import { ADDRESS_FAILURE_LIMIT } from '../../src/accounts/model';
import { PASSWORD } from '../support/http';

/**
 * What only a real server shows: the connection's peer address. Behind the trusted proxy (nginx on
 * loopback) the session cookie follows the scheme the browser used and the sign-in limit counts the
 * client nginx names; when the peer is not a proxy we trust, neither header is believed.
 */

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
/** What nginx on loopback adds for a browser that reached the load balancer over HTTPS. */
const HTTPS = { 'x-forwarded-proto': 'https' };
let accountsMade = 0;
const email = (label: string) => `${label}-${process.pid}-${++accountsMade}@example.test`;

function post(server: LiveServer, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${server.origin}${path}`, {
    method: 'POST',
    headers: { ...FORM, ...headers },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
}

const sessionCookies = (response: Response) =>
  response.headers.getSetCookie().filter((line) => /^(__Host-)?tm_session=/.test(line));

/** Fails sign-in with unknown emails until the address is refused; how many failures it took. */
async function failuresUntilRefused(server: LiveServer, forwardedFor: (attempt: number) => string | undefined) {
  for (let attempt = 1; attempt <= ADDRESS_FAILURE_LIMIT + 1; attempt++) {
    const xff = forwardedFor(attempt);
    const response = await post(
      server,
      '/signin',
      { email: email(`guess${attempt}`), password: 'not anyone’s password' },
      xff ? { 'x-forwarded-for': xff } : {},
    );
    await response.text();
    if (response.status === 429) {
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      return attempt;
    }
    expect({ attempt, status: response.status }).toEqual({ attempt, status: 401 });
  }
  return Number.POSITIVE_INFINITY;
}

describe('behind the trusted proxy (loopback)', () => {
  let server: LiveServer;
  beforeAll(async () => {
    server = await startLiveServer();
  });
  afterAll(() => server.stop());

  test('over HTTPS only the __Host- cookie counts: a plain tm_session planted beside it (a sibling subdomain can) is ignored', async () => {
    const signUpOverHttps = async (label: string) => {
      const address = email(label);
      const response = await post(server, '/signup', { email: address, password: PASSWORD }, HTTPS);
      const [cookie = ''] = sessionCookies(response);
      return { address, value: (cookie.split(';')[0] ?? '').split('=')[1] ?? '' };
    };
    const [victim, planter] = [await signUpOverHttps('victim'), await signUpOverHttps('planter')];
    // As a browser sends them: the planted cookie (a longer Path) first.
    const cookie = `tm_session=${planter.value}; __Host-tm_session=${victim.value}`;
    const page = await fetch(`${server.origin}/`, { headers: { ...HTTPS, cookie }, redirect: 'manual' });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain(victim.address);
    expect(html).not.toContain(planter.address);
    const plantedAlone = await fetch(`${server.origin}/`, {
      headers: { ...HTTPS, cookie: `tm_session=${planter.value}` },
      redirect: 'manual',
    });
    expect([plantedAlone.status, plantedAlone.headers.get('location')]).toEqual([303, '/signin']);
  });

  test('over HTTPS the cookie is __Host-tm_session and Secure; over plain HTTP it is tm_session', async () => {
    const overHttps = await post(
      server,
      '/signup',
      { email: email('https'), password: PASSWORD },
      {
        'x-forwarded-proto': 'https',
      },
    );
    expect(overHttps.status).toBe(303);
    const [secure] = sessionCookies(overHttps);
    expect(secure).toMatch(
      /^__Host-tm_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=\d+$/,
    );
    expect(secure).not.toMatch(/domain=/i);
    // The browser sends it back under that name, and it signs in.
    const page = await fetch(`${server.origin}/`, {
      headers: { cookie: (secure as string).split(';')[0] as string, 'x-forwarded-proto': 'https' },
      redirect: 'manual',
    });
    expect(page.status).toBe(200);

    const plain = await post(server, '/signup', { email: email('http'), password: PASSWORD });
    expect(plain.status).toBe(303);
    const [insecure] = sessionCookies(plain);
    expect(insecure).toMatch(/^tm_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    expect(insecure).not.toContain('Secure');
  });

  test(`the ${ADDRESS_FAILURE_LIMIT + 1}st failure from one client address, across emails, is refused; other clients are not`, async () => {
    expect(await failuresUntilRefused(server, () => '203.0.113.7')).toBe(ADDRESS_FAILURE_LIMIT + 1);
    // Even a right password, from that address.
    const account = email('right');
    expect(
      (await post(server, '/signup', { email: account, password: PASSWORD }, { 'x-forwarded-for': '198.51.100.1' }))
        .status,
    ).toBe(303);
    const fromLocked = await post(
      server,
      '/signin',
      { email: account, password: PASSWORD },
      { 'x-forwarded-for': '203.0.113.7' },
    );
    expect(fromLocked.status).toBe(429);
    // The client nginx names is the right-most untrusted hop: what the client itself prepended is ignored.
    const prepended = await post(
      server,
      '/signin',
      { email: account, password: PASSWORD },
      {
        'x-forwarded-for': '198.51.100.99, 203.0.113.7',
      },
    );
    expect(prepended.status).toBe(429);
    const elsewhere = await post(
      server,
      '/signin',
      { email: account, password: PASSWORD },
      { 'x-forwarded-for': '203.0.113.8' },
    );
    expect(elsewhere.status).toBe(303);
  }, 60_000);
});

describe('when the peer is not a trusted proxy', () => {
  let server: LiveServer;
  beforeAll(async () => {
    server = await startLiveServer({ TRUSTED_PROXIES: '10.0.0.1' });
  });
  afterAll(() => server.stop());

  test('X-Forwarded-Proto: https does not make the cookie Secure', async () => {
    const response = await post(
      server,
      '/signup',
      { email: email('spoof'), password: PASSWORD },
      {
        'x-forwarded-proto': 'https',
      },
    );
    expect(response.status).toBe(303);
    const [cookie] = sessionCookies(response);
    expect(cookie).toMatch(/^tm_session=/);
    expect(cookie).not.toContain('Secure');
  });

  test('spoofed X-Forwarded-For values all count against the peer address', async () => {
    const refusedAt = await failuresUntilRefused(server, (attempt) => `192.0.2.${attempt}`);
    expect(refusedAt).toBe(ADDRESS_FAILURE_LIMIT + 1);
    // Neither a new spoofed address nor none at all gets round it.
    for (const headers of <Record<string, string>[]>[{ 'x-forwarded-for': '192.0.2.200' }, {}]) {
      const response = await post(server, '/signin', { email: email('later'), password: 'still guessing' }, headers);
      expect(response.status).toBe(429);
    }
  }, 60_000);
});
