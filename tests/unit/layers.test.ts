import { expect, test } from 'bun:test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { importEdges, importsOf, ROOT } from '../support/import-graph';

/**
 * The house rules of DESIGN.md, checked on the real imports: they point one way, main → app →
 * features → http, db, lib; routes → components; components take only the task model's types.
 * A feature is any folder of src/ but the generic layers, so src/accounts/ is covered the day it appears.
 */

const GENERIC_LAYERS = ['src/db', 'src/http', 'src/lib'];
const SRC = join(ROOT, 'src');
const features = () =>
  readdirSync(SRC)
    .filter((name) => statSync(join(SRC, name)).isDirectory())
    .map((name) => `src/${name}`)
    .filter((area) => !GENERIC_LAYERS.includes(area));

const edges = importEdges();
const described = (list: typeof edges) => list.map((edge) => `${edge.file} imports ${edge.specifier}`);

test('the features the rules protect include tasks and ops', () => {
  expect(features()).toEqual(expect.arrayContaining(['src/tasks', 'src/ops']));
});

test.each(GENERIC_LAYERS)('%s imports nothing from a feature', (layer) => {
  expect(edges.some((edge) => edge.from === layer)).toBe(true);
  expect(described(edges.filter((edge) => edge.from === layer && features().includes(edge.to)))).toEqual([]);
});

test('src/lib knows nothing of HTTP or the database', () => {
  expect(
    described(edges.filter((edge) => edge.from === 'src/lib' && ['src/http', 'src/db'].includes(edge.to))),
  ).toEqual([]);
});

test("components are pure views: from src/ they take only the task model's types", () => {
  const intoSrc = edges.filter((edge) => edge.from === 'components' && edge.to.startsWith('src'));
  expect(intoSrc.length).toBeGreaterThan(0);
  const allowed = (edge: (typeof edges)[number]) => edge.typeOnly && edge.specifier.endsWith('src/tasks/model');
  expect(described(intoSrc.filter((edge) => !allowed(edge)))).toEqual([]);
});

test('the app never imports the test harness, the tests or the bench', () => {
  const outside = ['harness', 'tests', 'bench', 'scripts'];
  expect(described(edges.filter((edge) => outside.includes(edge.to)))).toEqual([]);
});

test('the check sees every way of naming a module, and which take only types', () => {
  const source = [
    "import { STATUSES } from '../tasks/model';",
    "import type { Task } from '../tasks/model';",
    "import { type Task, type TaskStatus } from '../tasks/model';",
    "import { type Task, STATUSES } from '../tasks/model';",
    "export { x } from '../ops/health';",
    "import '../tasks/side-effect';",
    "const later = await import('../tasks/store');",
  ].join('\n');
  expect(importsOf(source)).toEqual([
    { specifier: '../tasks/model', typeOnly: false },
    { specifier: '../tasks/model', typeOnly: true },
    { specifier: '../tasks/model', typeOnly: true },
    { specifier: '../tasks/model', typeOnly: false },
    { specifier: '../ops/health', typeOnly: false },
    { specifier: '../tasks/side-effect', typeOnly: false },
    { specifier: '../tasks/store', typeOnly: false },
  ]);
});

test("docs/architecture.md's map names every folder of src/ and every top-level folder of the code", () => {
  const map = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
  const folders = [
    ...features(),
    ...GENERIC_LAYERS,
    ...['components', 'static', 'harness', 'infra', 'tests', 'bench', 'scripts'],
  ];
  const missing = folders.filter((folder) => !map.includes(`\`${folder}/\``));
  expect(missing).toEqual([]);
});
