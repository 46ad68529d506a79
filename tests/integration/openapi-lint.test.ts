import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/lib/logger';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases';
import { ORIGIN } from '../support/http';

/**
 * The document the app serves now, as API users' tools read it: Redocly's recommended rules and
 * Spectral's spectral:oas, with the repository's own configs, must find nothing at all (no error,
 * no warning). Both run under Bun from the lockfile's pinned versions.
 */

const ROOT = join(import.meta.dir, '../..');
const REDOCLY = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
const SPECTRAL = join(ROOT, 'node_modules/@stoplight/spectral-cli/dist/index.js');

let database: TestDatabase;
let dir: string;
let documentPath: string;

beforeAll(async () => {
  const sqlite = ENGINES.find((engine) => engine.name === 'sqlite');
  if (!sqlite) throw new Error('the sqlite test engine is missing');
  database = await openTestDatabase(sqlite);
  const app = createApp({ db: database.client, logger: createLogger('error', () => {}) });
  const response = await app.handle(new Request(`${ORIGIN}/swagger/json`));
  expect(response.status).toBe(200);
  dir = mkdtempSync(join(tmpdir(), 'tm-openapi-'));
  documentPath = join(dir, 'openapi.json');
  await Bun.write(documentPath, await response.text());
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await database.cleanup();
});

async function run(...args: string[]) {
  const child = Bun.spawn([process.execPath, ...args], {
    cwd: ROOT,
    stdout: 'pipe',
    stderr: 'pipe',
    // Redocly sends usage data unless told not to (redocly.yaml says so too).
    env: { ...process.env, REDOCLY_TELEMETRY: 'off' },
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, stdout, stderr };
}

test('redocly lint (recommended) finds no error and no warning', async () => {
  const { exitCode, stdout, stderr } = await run(
    REDOCLY,
    'lint',
    documentPath,
    '--config',
    join(ROOT, 'redocly.yaml'),
    '--format=json',
  );
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { totals: unknown; problems: unknown[] };
  expect({ totals: report.totals, problems: report.problems }).toEqual({
    totals: { errors: 0, warnings: 0, ignored: 0 },
    problems: [],
  });
  expect({ exitCode, stderr: exitCode === 0 ? '' : stderr }).toEqual({ exitCode: 0, stderr: '' });
}, 60_000);

test('spectral lint (spectral:oas) finds nothing, down to hints', async () => {
  const { exitCode, stdout } = await run(
    SPECTRAL,
    'lint',
    documentPath,
    '--ruleset',
    join(ROOT, '.spectral.yaml'),
    '--fail-severity=hint',
  );
  expect({ exitCode, stdout: stdout.trim() }).toEqual({
    exitCode: 0,
    stdout: "No results with a severity of 'hint' or higher found!",
  });
}, 60_000);
