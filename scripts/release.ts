/**
 * `bun run release`: builds the artifact every instance runs, dist/task-manager-<version>.tar.gz,
 * and its checksum dist/task-manager-<version>.tar.gz.sha256 (in `sha256sum -c` format).
 *
 * The tarball unpacks to one folder, laid out the way the app finds its files:
 *   task-manager                 the app, `bun build --compile` of src/main.ts (Bun included)
 *   scripts/nginx-config.js      the nginx renderer, run by the same binary (BUN_BE_BUN=1)
 *   nginx.conf                   the template the renderer fills in
 *   static/                      our CSS, scripts, icon
 *   node_modules/htmx.org/…      the two vendored front-end packages the app resolves at start
 *   node_modules/swagger-ui-dist/…
 *   release.json                 version, commit, build time
 *
 * The files sit beside the binary because the app finds them from APP_ROOT (src/app-root.ts):
 * the binary's folder when compiled, the repository otherwise.
 *
 *   bun scripts/release.ts [--out-dir dist] [--version 0.1.0-abc1234]
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import packageJson from '../package.json' with { type: 'json' };

const ROOT = join(import.meta.dir, '..');

/** The front-end files the app reads at start (src/http/assets.ts, src/http/api-docs.tsx). */
const VENDORED_FILES = [
  'node_modules/htmx.org/package.json',
  'node_modules/htmx.org/dist/htmx.min.js',
  'node_modules/swagger-ui-dist/package.json',
  'node_modules/swagger-ui-dist/swagger-ui-bundle.js',
  'node_modules/swagger-ui-dist/swagger-ui.css',
];

export interface Release {
  name: string;
  tarball: string;
  checksumFile: string;
  sha256: string;
}

async function build(options: Parameters<typeof Bun.build>[0]): Promise<void> {
  const result = await Bun.build(options);
  if (!result.success) {
    throw new AggregateError(result.logs, `bun build failed for ${options.entrypoints.join(', ')}`);
  }
}

function gitCommit(): string {
  const git = Bun.spawnSync(['git', 'rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  return git.exitCode === 0 ? git.stdout.toString().trim() : 'unknown';
}

export async function buildRelease(outDir = join(ROOT, 'dist'), version?: string): Promise<Release> {
  const commit = gitCommit();
  const releaseVersion = version ?? `${packageJson.version}-${commit}`;
  if (!/^[\w.-]+$/.test(releaseVersion)) throw new Error(`not a usable version: ${releaseVersion}`);
  const name = `task-manager-${releaseVersion}`;
  const stage = join(outDir, 'stage');
  const folder = join(stage, name);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });

  await build({
    entrypoints: [join(ROOT, 'src/main.ts')],
    // x86_64 Linux like the instances (app.yaml), whatever machine builds the release. The
    // service's environment comes from systemd alone: no .env or bunfig.toml is picked up from
    // whatever folder it starts in.
    compile: {
      target: 'bun-linux-x64',
      outfile: join(folder, 'task-manager'),
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
  });
  // Scripts the instance runs with the app's own executable (BUN_BE_BUN=1): the nginx renderer at
  // boot, the operators' account CLI over SSM (docs/deployment.md#accounts-in-production).
  for (const script of ['nginx-config', 'user']) {
    await build({
      entrypoints: [join(ROOT, `scripts/${script}.ts`)],
      target: 'bun',
      outdir: join(folder, 'scripts'),
      naming: `${script}.js`,
    });
  }

  cpSync(join(ROOT, 'nginx.conf'), join(folder, 'nginx.conf'));
  cpSync(join(ROOT, 'static'), join(folder, 'static'), { recursive: true });
  for (const file of VENDORED_FILES) {
    mkdirSync(dirname(join(folder, file)), { recursive: true });
    cpSync(join(ROOT, file), join(folder, file));
  }
  writeFileSync(
    join(folder, 'release.json'),
    `${JSON.stringify({ name, version: releaseVersion, commit, bun: Bun.version, built_at: new Date().toISOString() }, null, 2)}\n`,
  );

  const tarball = join(outDir, `${name}.tar.gz`);
  const tar = Bun.spawnSync(['tar', '-czf', tarball, '-C', stage, '--owner=0', '--group=0', name], {
    stdout: 'pipe',
    stderr: 'pipe',
  });
  if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr.toString()}`);
  rmSync(stage, { recursive: true, force: true });

  const sha256 = createHash('sha256').update(readFileSync(tarball)).digest('hex');
  const checksumFile = `${tarball}.sha256`;
  writeFileSync(checksumFile, `${sha256}  ${name}.tar.gz\n`);
  return { name, tarball, checksumFile, sha256 };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string' }, version: { type: 'string' } } });
  const release = await buildRelease(values['out-dir'] ?? join(ROOT, 'dist'), values.version);
  process.stdout.write(`${release.tarball}\n${release.checksumFile}\nsha256 ${release.sha256}\n`);
}
