import { parseArgs } from 'node:util';

/** What `bun run bench` was asked to do. */
export interface BenchOptions {
  /** Table sizes to measure, ascending: the table only ever grows between them. */
  sizes: number[];
  durationS: number;
  /** Runs of each row; the report shows the median one. */
  repeat: number;
  connections: number[];
  warmupS: number;
  /** wrk's per-request timeout; slower answers count as timeout errors. */
  timeoutS: number;
  /** Endpoint ids to run (see bench/endpoints.ts); null runs them all. */
  only: string[] | null;
  /** InnoDB buffer pool for the throwaway server (the test harness starts it with 64 MB). */
  bufferPoolMb: number;
  /** Where the report goes instead of bench/results.md (a quick run's figures are not the record). */
  output: string | null;
  /** The side-by-side with the Flask anchor (bench/peer.ts): after the rest, alone, or not at all. */
  peer: 'also' | 'only' | 'skip';
}

export const USAGE = `usage: bun run bench [options]

  --sizes 1000,100000,1000000   table sizes to seed and measure, ascending (default)
  --quick                       sizes 1000,10000 and 3 s runs
  --duration <s>                seconds per wrk run (default 5, 3 with --quick)
  --repeat <n>                  runs of each row, sizes taking turns; the median is reported (default 3, 1 with --quick)
  --connections 1,32,64         connection counts per endpoint (default)
  --warmup <s>                  seconds of warm-up per read endpoint after each app start (default 3)
  --timeout <s>                 wrk request timeout (default 10)
  --only <id,...>               run only these endpoints (ids in bench/endpoints.ts); 'peer' is the
                                side-by-side with the Flask anchor (bench/peer.ts), run after the rest
  --no-peer                     leave the side-by-side with the anchor out
  --buffer-pool <MB>            InnoDB buffer pool of the throwaway MariaDB (default 1024)
  --output <file>               write the report there instead of bench/results.md

Signs up on each size's database first and sends that account's session cookie (pages) or token
(API) with every request; stops if a row is answered otherwise (303, 401…).
Uses DATABASE_URL (mysql://...) when set, otherwise a throwaway MariaDB. Writes bench/results.md.`;

/** A mistake in how the bench was started: reported as one line, without a stack trace. */
export class UsageError extends Error {}

const DEFAULT_SIZES = [1_000, 100_000, 1_000_000];
const QUICK_SIZES = [1_000, 10_000];

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = explainMistakes(() =>
    parseArgs({
      args: argv,
      options: {
        sizes: { type: 'string' },
        quick: { type: 'boolean', default: false },
        duration: { type: 'string' },
        repeat: { type: 'string' },
        connections: { type: 'string' },
        warmup: { type: 'string' },
        timeout: { type: 'string' },
        only: { type: 'string' },
        'buffer-pool': { type: 'string' },
        output: { type: 'string' },
        'no-peer': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }),
  );
  if (values.help) return 'help';
  const quick = values.quick === true;
  const listed = values.only ? values.only.split(',').map((id) => id.trim()) : null;
  const only = listed?.filter((id) => id !== 'peer') ?? null;
  const peer = peerChoice(listed, values['no-peer'] === true);
  const sizes = values.sizes ? numberList('--sizes', values.sizes) : quick ? QUICK_SIZES : DEFAULT_SIZES;
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    durationS: values.duration ? positive('--duration', values.duration) : quick ? 3 : 5,
    repeat: values.repeat ? positive('--repeat', values.repeat) : quick ? 1 : 3,
    connections: values.connections ? numberList('--connections', values.connections) : [1, 32, 64],
    warmupS: values.warmup ? positive('--warmup', values.warmup) : quick ? 1 : 3,
    timeoutS: values.timeout ? positive('--timeout', values.timeout) : 10,
    only: peer === 'only' ? [] : only,
    bufferPoolMb: values['buffer-pool'] ? positive('--buffer-pool', values['buffer-pool']) : 1024,
    output: values.output ?? null,
    peer,
  };
}

/** The peer section runs with everything, or when --only names it (alone if it names nothing else). */
function peerChoice(listed: string[] | null, noPeer: boolean): BenchOptions['peer'] {
  if (noPeer) return 'skip';
  if (!listed) return 'also';
  if (!listed.includes('peer')) return 'skip';
  return listed.length === 1 ? 'only' : 'also';
}

/** parseArgs reports an unknown or malformed flag by throwing; that is a usage mistake. */
function explainMistakes<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function numberList(flag: string, raw: string): number[] {
  return raw.split(',').map((part) => positive(flag, part.replaceAll('_', '')));
}

function positive(flag: string, raw: string): number {
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} wants whole numbers from 1, got "${raw}"`);
  return value;
}
