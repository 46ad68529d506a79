import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { type App, createApp } from '../../src/app';
import { createLogger } from '../../src/lib/logger';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { ORIGIN, signUp } from '../support/http';
import { contractCheck } from '../support/openapi-contract';

/**
 * What an API user does with the document: generate a typed client (openapi-typescript), write a
 * script with openapi-fetch, run it. Here the types come from the document the app serves now, the
 * script (tests/support/generated-client/scenario.ts) must pass `tsc --strict` against them, and it
 * runs against the real app on each engine with every answer held to the document
 * (tests/support/openapi-contract.ts). A route that changes without its document fails here.
 */

const ROOT = join(import.meta.dir, '../..');
const SCENARIO = join(ROOT, 'tests/support/generated-client/scenario.ts');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

interface Scenario {
  runScenario(options: {
    baseUrl: string;
    token: string;
    fetch: (request: Request) => Promise<Response>;
  }): Promise<void>;
}

const documentOf = async (app: App) => (await app.handle(new Request(`${ORIGIN}/swagger/json`))).json();

async function typeCheck(document: unknown) {
  const dir = mkdtempSync(join(tmpdir(), 'tm-client-'));
  try {
    await Bun.write(join(dir, 'api.d.ts'), astToString(await openapiTS(structuredClone(document) as OpenAPI3)));
    const config = {
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: {
        strict: true,
        noEmit: true,
        typeRoots: [join(ROOT, 'node_modules/@types')],
        paths: { 'task-manager-api': ['./api.d.ts'] },
        plugins: [],
      },
      files: [SCENARIO],
      include: [],
    };
    await Bun.write(join(dir, 'tsconfig.json'), JSON.stringify(config));
    const tsc = Bun.spawn([process.execPath, TSC, '-p', join(dir, 'tsconfig.json'), '--strict', '--pretty', 'false'], {
      cwd: ROOT,
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(tsc.stdout).text(),
      new Response(tsc.stderr).text(),
      tsc.exited,
    ]);
    return { exitCode, output: `${stdout}${stderr}`.trim(), types: await Bun.file(join(dir, 'api.d.ts')).text() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('openapi-typescript generates named types from the document, and the scenario passes tsc --strict with them', async () => {
  const sqlite = ENGINES.find((engine) => engine.name === 'sqlite');
  if (!sqlite) throw new Error('the sqlite test engine is missing');
  const database = await openTestDatabase(sqlite);
  try {
    const app = createApp({ db: database.client, logger: createLogger('error', () => {}) });
    const { exitCode, output, types } = await typeCheck(await documentOf(app));
    expect({ exitCode, output }).toEqual({ exitCode: 0, output: '' });
    for (const name of ['Task', 'TaskPage', 'TaskCreate', 'TaskPatch', 'Error', 'NewApiToken']) {
      expect(types).toContain(`    ${name}: {`);
    }
  } finally {
    await database.cleanup();
  }
}, 120_000);

for (const engine of ENGINES) {
  describe(`the generated client on ${engine.name}`, () => {
    let database: TestDatabase;
    let app: App;
    let document: { paths: Record<string, Record<string, { operationId?: string }>> };

    beforeAll(async () => {
      database = await openTestDatabase(engine);
      app = createApp({ db: database.client, logger: createLogger('error', () => {}) });
      document = await documentOf(app);
    });
    afterAll(() => database.cleanup());

    test('the scenario runs through openapi-fetch, every operation, every answer as the document describes it', async () => {
      const { token } = await signUp(app);
      const check = contractCheck(document, (request) => app.handle(request));
      const { runScenario } = (await import(SCENARIO)) as Scenario;
      await runScenario({ baseUrl: ORIGIN, token, fetch: check.fetch });
      const operations = Object.values(document.paths).flatMap((byMethod) =>
        Object.values(byMethod).map((operation) => operation.operationId ?? 'missing'),
      );
      expect([...check.operationsSeen].toSorted()).toEqual(operations.toSorted());
    }, 60_000);

    test('the document does not depend on the requests served before it: an app made now publishes the same', async () => {
      const later = createApp({ db: database.client, logger: createLogger('error', () => {}) });
      expect(await documentOf(later)).toEqual(document);
    });
  });
}
