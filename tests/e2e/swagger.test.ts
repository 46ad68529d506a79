import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Locator, Page } from 'playwright';
import { createLiveApi, signUpLive } from '../../harness/live-server';
import { expectCleanPage, useBrowserSuite } from '../support/browser';

/**
 * Swagger UI as an API user meets it: a page of ours, served from our origin under the same strict
 * CSP as every other page, that shows the operations of /swagger/json, and whose "Try it out"
 * really creates a task that the API and the task page then show. Signed in, the page's requests
 * carry the session cookie; signed out, "Authorize" with an API token is what lets them through.
 */

setDefaultTimeout(30_000);
const suite = useBrowserSuite();

type OpenApiDocument = {
  paths: Record<string, Record<string, { summary?: string }>>;
  security?: Record<string, string[]>[];
  components?: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
};

/**
 * Waits for Swagger UI to have rendered an operation: it fetches and renders the whole document
 * first, which on a busy machine takes longer than a click's 5 s (the document grew with export,
 * import and bulk changes, and two tests timed out there while the page was still rendering).
 */
const operationShown = (operation: Locator) => operation.waitFor({ state: 'visible', timeout: 20_000 });

/** Opens an operation, presses "Try it out" then "Execute", and returns the status and body Swagger UI shows. */
async function tryItOut(page: Page, operationId: string): Promise<{ status: string; body: string }> {
  const operation = page.locator(`#${operationId}`);
  await operationShown(operation);
  await operation.locator('.opblock-summary-control').click();
  await operation.getByRole('button', { name: 'Try it out' }).click();
  await operation.getByRole('button', { name: 'Execute' }).click();
  const status = operation.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor();
  const body = operation.locator('.live-responses-table .response-col_description pre').first();
  return { status: ((await status.textContent()) ?? '').trim(), body: (await body.textContent()) ?? '' };
}

describe('Swagger UI at /swagger', () => {
  test('shows every operation of /swagger/json under the CSP of /, with no violation and no console error', async () => {
    const { page, recorder } = await suite.newPage();
    const answer = await page.goto(suite.url('/swagger'));
    const document = (await (await fetch(suite.url('/swagger/json'))).json()) as OpenApiDocument;
    const summaries = Object.values(document.paths).flatMap((operations) =>
      Object.values(operations).map((operation) => operation.summary ?? ''),
    );
    expect(summaries).toContain('List tasks');

    for (const summary of summaries) {
      await operationShown(page.locator('.opblock-summary-description').getByText(summary, { exact: true }));
    }
    expect(await page.locator('.opblock').count()).toBe(summaries.length);
    expectCleanPage(recorder);

    const policy = answer?.headers()['content-security-policy'];
    const signedIn = { cookie: (await suite.api.account()).cookie };
    const home = await fetch(suite.url('/'), { headers: signedIn, redirect: 'manual' });
    expect(home.status).toBe(200);
    const homePolicy = home.headers.get('content-security-policy');
    expect(policy).toBe(homePolicy ?? 'missing');
    expect(policy).toContain("script-src 'self';");
    expect(policy).not.toContain('sha256-');
  });

  test('"Try it out" on POST /api/tasks creates a task: 201, clean page, stored, shown on /', async () => {
    const { page, recorder } = await suite.newPage();
    await page.goto(suite.url('/swagger'));

    const operation = page.locator('#operations-Tasks-createTask');
    await operationShown(operation);
    await operation.locator('.opblock-summary-control').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    const body = operation.locator('textarea.body-param__text');
    await body.fill(JSON.stringify({ title: 'Created in Swagger UI', priority: 'high', notes: 'from the docs page' }));
    await operation.getByRole('button', { name: 'Execute' }).click();

    const status = operation.locator('.live-responses-table .response .response-col_status');
    await status.first().waitFor();
    expect((await status.first().textContent())?.trim()).toBe('201');
    expect(
      await operation.locator('.live-responses-table .response-col_description pre').first().textContent(),
    ).toContain('Created in Swagger UI');
    expectCleanPage(recorder);

    const stored = (await suite.api.list()).filter((task) => task.title === 'Created in Swagger UI');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ priority: 'high', notes: 'from the docs page', status: 'open' });

    const { page: home, recorder: homeRecorder } = await suite.newPage();
    await home.goto(suite.url('/'));
    const listed = home.getByRole('list', { name: 'Tasks' }).getByRole('listitem');
    expect(await listed.filter({ hasText: 'Created in Swagger UI' }).count()).toBe(1);
    expectCleanPage(homeRecorder);
  });

  test('the document declares the bearer scheme for every operation, so Swagger UI offers "Authorize"', async () => {
    const document = (await (await fetch(suite.url('/swagger/json'))).json()) as OpenApiDocument;
    expect(document.components?.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual([{ bearerAuth: [] }]);
  });

  test('signed out: GET /api/tasks answers 401; after "Authorize" with my token, 200 with my task and no one else\'s', async () => {
    const account = await signUpLive(suite.origin);
    await createLiveApi(suite.origin, account).create({ title: 'Seeded for Swagger' });
    await suite.api.create({ title: 'Somebody else’s task' });

    const { page, recorder } = await suite.newPage({ account: null });
    await page.goto(suite.url('/swagger'));
    const refused = await tryItOut(page, 'operations-Tasks-listTasks');
    expect(refused.status).toBe('401');
    expect(refused.body).toContain('unauthorized');

    await page.reload();
    await page.getByRole('button', { name: 'Authorize' }).first().click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('#auth-bearer-value').fill(account.token);
    await dialog.getByRole('button', { name: 'Apply credentials' }).click();
    await dialog.getByRole('heading', { name: 'Authorized', exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();

    const listed = await tryItOut(page, 'operations-Tasks-listTasks');
    expect(listed.status).toBe('200');
    const titles = (JSON.parse(listed.body) as { items: { title: string }[] }).items.map((task) => task.title);
    expect(titles).toEqual(['Seeded for Swagger']);
    expectCleanPage(recorder);
  });
});
