import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { expectCleanPage, useBrowserSuite } from '../support/browser';

/**
 * Swagger UI as an API user meets it: a page of ours, served from our origin under the same strict
 * CSP as every other page, that shows the operations of /swagger/json, and whose "Try it out"
 * really creates a task that the API and the task page then show.
 */

setDefaultTimeout(30_000);
const suite = useBrowserSuite();

type OpenApiDocument = { paths: Record<string, Record<string, { summary?: string }>> };

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
      await page.locator('.opblock-summary-description').getByText(summary, { exact: true }).waitFor();
    }
    expect(await page.locator('.opblock').count()).toBe(summaries.length);
    expectCleanPage(recorder);

    const policy = answer?.headers()['content-security-policy'];
    const homePolicy = (await fetch(suite.url('/'))).headers.get('content-security-policy');
    expect(policy).toBe(homePolicy ?? 'missing');
    expect(policy).toContain("script-src 'self';");
    expect(policy).not.toContain('sha256-');
  });

  test('"Try it out" on POST /api/tasks creates a task: 201, clean page, stored, shown on /', async () => {
    const { page, recorder } = await suite.newPage();
    await page.goto(suite.url('/swagger'));

    const operation = page.locator('#operations-Tasks-postApiTasks');
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
});
