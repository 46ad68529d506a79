import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * infra/deploy.sh run against tests/infra/fixtures/fake-aws.sh, a fake `aws` on PATH that records
 * every call and plays CloudFormation with stacks kept as files (see its header).
 */

export const DEPLOY_SCRIPT = join(import.meta.dir, '../../infra/deploy.sh');
const FAKE = join(import.meta.dir, '../infra/fixtures/fake-aws.sh');

export interface DeployRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Every aws call, as its arguments. */
  calls: string[][];
}

/** A folder of fake stacks: set them up with `stack`, then `run` deploy.sh against them. */
export class FakeAws {
  readonly dir = mkdtempSync(join(tmpdir(), 'tm-fake-aws-'));
  readonly state = join(this.dir, 'state');

  constructor() {
    mkdirSync(join(this.dir, 'bin'));
    copyFileSync(FAKE, join(this.dir, 'bin/aws'));
    chmodSync(join(this.dir, 'bin/aws'), 0o755);
    for (const sub of ['status', 'params', 'no-changes', 'fails', 'images'])
      mkdirSync(join(this.state, sub), { recursive: true });
  }

  /** A stack that exists with this status and these parameters (KEY, or KEY=VALUE). */
  stack(name: string, status: string, parameters: string[] = []): this {
    writeFileSync(join(this.state, 'status', name), `${status}\n`);
    writeFileSync(join(this.state, 'params', name), parameters.map((k) => `${k}\n`).join(''));
    return this;
  }
  /** Marks a stack: 'no-changes' (its change set is empty) or 'fails' (its execution rolls back). */
  mark(kind: 'no-changes' | 'fails', name: string): this {
    writeFileSync(join(this.state, kind, name), '');
    return this;
  }
  image(release: string, ami: string): this {
    writeFileSync(join(this.state, 'images', release), `${ami}\n`);
    return this;
  }
  /** The database user task ends with this exit code. */
  databaseUserExit(code: number): this {
    writeFileSync(join(this.state, 'database-user-exit'), `${code}\n`);
    return this;
  }
  missingOutput(stack: string, key: string): this {
    writeFileSync(join(this.state, 'missing-outputs'), `${stack}:${key}\n`, { flag: 'a' });
    return this;
  }
  recordedImage(release: string): string {
    return readFileSync(join(this.state, 'images', release), 'utf8').trim();
  }

  run(args: string[], stdin = ''): DeployRun {
    rmSync(join(this.state, 'calls'), { force: true });
    const run = Bun.spawnSync(['bash', DEPLOY_SCRIPT, ...args], {
      env: {
        PATH: `${join(this.dir, 'bin')}:${process.env.PATH}`,
        FAKE_AWS_STATE: this.state,
        HOME: this.dir,
        DEPLOY_POLL_SECONDS: '0',
      },
      stdin: new TextEncoder().encode(stdin),
      stdout: 'pipe',
      stderr: 'pipe',
    });
    let log = '';
    try {
      log = readFileSync(join(this.state, 'calls'), 'utf8');
    } catch {}
    const calls = log
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\x1f'));
    return { exitCode: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString(), calls };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const optionValue = (call: string[], option: string) => call[call.indexOf(option) + 1];

/** The calls of one kind (`cloudformation create-change-set`), optionally for one stack. */
export function callsOf(run: DeployRun, command: string, stack?: string): string[][] {
  const [service, action] = command.split(' ');
  return run.calls.filter(
    (call) =>
      call[0] === service && call[1] === action && (stack === undefined || optionValue(call, '--stack-name') === stack),
  );
}

/** The stacks change sets were made for, in order. */
export function changeSetStacks(run: DeployRun): string[] {
  return callsOf(run, 'cloudformation create-change-set').map((call) => optionValue(call, '--stack-name') ?? '');
}

/** The stacks whose change sets were executed, in order. */
export function executedStacks(run: DeployRun): string[] {
  return callsOf(run, 'cloudformation execute-change-set').map((call) => optionValue(call, '--stack-name') ?? '');
}

/** A create-change-set call's parameters: KEY → value, or KEY → { previous: true }. */
export function changeSetParameters(call: string[] | undefined): Record<string, string | { previous: true }> {
  if (!call) return {};
  const from = call.indexOf('--parameters') + 1;
  if (from === 0) return {};
  const to = call.findIndex((arg, index) => index > from && arg.startsWith('--'));
  const parameters: Record<string, string | { previous: true }> = {};
  for (const item of call.slice(from, to < 0 ? undefined : to)) {
    const key = /^ParameterKey=([A-Za-z0-9]+),/.exec(item)?.[1] ?? '';
    if (item.endsWith(',UsePreviousValue=true')) parameters[key] = { previous: true };
    else parameters[key] = item.slice(`ParameterKey=${key},ParameterValue=`.length).replaceAll('\\,', ',');
  }
  return parameters;
}

/** The parameters of the (last) change set made for a stack. */
export function parametersOf(run: DeployRun, stack: string): Record<string, string | { previous: true }> {
  return changeSetParameters(callsOf(run, 'cloudformation create-change-set', stack).at(-1));
}

export function regionOf(call: string[] | undefined): string | undefined {
  return call?.includes('--region') ? optionValue(call, '--region') : undefined;
}
