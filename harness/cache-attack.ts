import { type LiveAccount, signUpLive } from './live-server';

/**
 * The memory attack from the hardening issue, run against each app after its load runs so the RSS
 * row includes it: 100 tasks with 5,000-emoji notes make a 100-item API list about 2 MB, and 120
 * searches whose words the search ignores (under three letters) each ask for that whole list.
 * Before the response cache was bounded by bytes and its keys normalised, each was a new 2 MB entry.
 * Signed in (the API answers nobody else): as the account given, or as one signed up for it.
 */

const TASKS = 100;
const NOTES = '😀'.repeat(5_000);
const SEARCHES = 120;

export interface CacheAttack {
  requests: number;
  bytes: number;
  failed: number;
}

export async function fillCaches(origin: string, as?: Pick<LiveAccount, 'token'>): Promise<CacheAttack> {
  const { token } = as ?? (await signUpLive(origin));
  const authorization = `Bearer ${token}`;
  const json = { 'content-type': 'application/json', authorization };
  let failed = 0;
  for (let index = 0; index < TASKS; index++) {
    const body = JSON.stringify({ title: `Cache attack ${index}`, notes: NOTES });
    const response = await fetch(`${origin}/api/tasks`, { method: 'POST', headers: json, body });
    if (response.status !== 201) failed++;
  }
  let bytes = 0;
  for (let index = 0; index < SEARCHES; index++) {
    // "a0", "b0", … "z4": two characters, so each filters nothing and answers the whole first page.
    const q = `${String.fromCharCode(97 + (index % 26))}${Math.floor(index / 26)}`;
    const response = await fetch(`${origin}/api/tasks?limit=100&q=${q}`, {
      headers: { 'accept-encoding': 'identity', authorization },
    });
    if (response.status !== 200) failed++;
    bytes += (await response.arrayBuffer()).byteLength;
  }
  return { requests: TASKS + SEARCHES, bytes, failed };
}
