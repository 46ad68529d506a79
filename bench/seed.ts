import type { Connection } from 'mysql2/promise';
import { searchTerms } from '../src/tasks/search';
import { progressBar } from './progress';

/**
 * The fast bulk path: multi-row INSERTs of ~5,000 generated tasks straight into MySQL, bypassing
 * the app, every one owned by the account the bench signs in as. Rows look like the app's own (priority as rank 1–3, UTC 'YYYY-MM-DD HH:MM:SS.mmm'
 * timestamps) and read like real tasks, so searches and filters select realistic shares.
 */

export const SEED_COLUMNS: readonly string[] = [
  'owner_id',
  'title',
  'notes',
  'title_terms',
  'notes_terms',
  'status',
  'priority',
  'due_date',
  'created_at',
  'updated_at',
  'completed_at',
  'version',
];

/** Appears in ~2 % of titles and ~2 % of notes: the search endpoint's query. */
export const SEARCH_WORD = 'invoice';

const BATCH_ROWS = 5_000;
const DAY_MS = 86_400_000;
/** Creation times spread over two years, one task a minute or so at a million rows. */
const HISTORY_MS = 730 * DAY_MS;
const HISTORY_ROWS = 1_000_000;

type SeedRow = [
  number,
  string,
  string,
  string,
  string,
  'open' | 'done',
  number,
  string | null,
  string,
  string,
  string | null,
  number,
];

/** Inserts tasks of `owner` until the table holds `target` rows; returns how many it inserted. */
export async function growTo(connection: Connection, currentRows: number, target: number, owner: number) {
  const missing = target - currentRows;
  if (missing <= 0) return 0;
  const rows = new TaskRows(currentRows, Date.now(), owner);
  const bar = progressBar(`seeding ${target.toLocaleString('en-US')}`, missing);
  const sql = `INSERT INTO tasks (${SEED_COLUMNS.join(', ')}) VALUES ?`;
  let inserted = 0;
  let batch = rows.take(Math.min(BATCH_ROWS, missing));
  while (batch.length) {
    // Build the next batch while the server stores this one.
    const stored = connection.query(sql, [batch]);
    const nextSize = Math.min(BATCH_ROWS, missing - inserted - batch.length);
    const next = nextSize > 0 ? rows.take(nextSize) : [];
    await stored;
    inserted += batch.length;
    bar.update(inserted);
    batch = next;
  }
  bar.finish(inserted);
  return inserted;
}

const VERBS = [
  'Review',
  'Update',
  'Fix',
  'Write',
  'Call about',
  'Email Sam about',
  'Schedule',
  'Prepare',
  'Renew',
  'Check',
  'Plan',
  'Draft',
  'Book',
  'Order',
  'Clean up',
  'Back up',
  'Migrate',
  'Test',
  'Deploy',
  'Archive',
  'Pay',
  'Send',
  'Cancel',
  'Discuss',
];

// Exactly one object names the search word, so a title matches with probability 1/50.
const OBJECTS = [
  'the TLS certificate',
  'the quarterly report',
  'the team offsite',
  'the database backup',
  'the staging server',
  'the onboarding guide',
  'the release notes',
  'the office lease',
  'the dentist appointment',
  'the car insurance',
  'the budget spreadsheet',
  'the customer survey',
  'the load balancer',
  'the DNS records',
  'the newsletter',
  'the conference talk',
  'the expense report',
  'the hiring plan',
  'the design review',
  'the roadmap',
  'the API docs',
  'the flight to Lisbon',
  'the birthday gift',
  'the garden fence',
  'the laptop repair',
  'the tax return',
  'the security audit',
  'the on-call rota',
  'the vendor contract',
  'the sprint retro',
  'the bike service',
  'the kitchen tap',
  'the passport renewal',
  'the gym membership',
  'the photo backup',
  'the wedding RSVP',
  'the library books',
  'the team lunch',
  'the printer toner',
  'the domain renewal',
  'the error budget',
  'the VPN config',
  'the monitoring alerts',
  'the data export',
  'the password rotation',
  'the café booking',
  'the Zürich trip',
  'the insurance claim',
  'the homepage copy',
  `the supplier ${SEARCH_WORD}`,
];

const SUFFIXES = [' before Friday', ' for the Lisbon team', ' — follow up', ' again', ' for Q3', ' with Priya', ' 🚀'];

const SENTENCES = [
  'Ask Priya for the latest numbers first.',
  'Blocked until the vendor replies.',
  'Check the alarm thresholds afterwards.',
  'Last time this took about two hours.',
  'Keep the old version until the new one is confirmed.',
  'Link the ticket in the team channel.',
  'The checklist is in the shared drive.',
  'Needs a second pair of eyes before it goes out.',
  'Do it after the morning stand-up.',
  'Remember the 30-day notice period.',
  'Budget owner: finance. Approver: Sam.',
  'See the notes from the last retro.',
  'Try the staging environment first.',
  'Dates are flexible by a week or so.',
  'Low effort, but easy to forget.',
  'Write down what changed for next time.',
  'Copy the receipts into the expenses folder.',
  'Check opening hours; closed on Mondays.',
  'Book early, prices go up in spring.',
  'Confirm with everyone by email.',
];
const SEARCH_SENTENCE = `Attach the ${SEARCH_WORD} number to the reply.`;

/** Deterministic, so two runs seed the same tasks (mulberry32). */
function randomSource(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class TaskRows {
  private readonly random: () => number;
  private readonly historyStart: number;

  constructor(
    private index: number,
    private readonly now: number,
    private readonly owner: number,
  ) {
    this.random = randomSource(20_261_127 + index);
    this.historyStart = now - HISTORY_MS;
  }

  take(count: number): SeedRow[] {
    const rows: SeedRow[] = new Array(count);
    for (let i = 0; i < count; i++) rows[i] = this.next();
    return rows;
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)] as T;
  }

  private next(): SeedRow {
    this.index++;
    const chance = this.random;
    const created = Math.min(
      this.now - 60_000,
      this.historyStart + (HISTORY_MS * this.index) / HISTORY_ROWS + chance() * 3_600_000,
    );
    const updated = Math.min(this.now, created + (chance() < 0.5 ? 0 : chance() * 14 * DAY_MS));
    const done = chance() < 0.25;
    const roll = chance();
    const priority = roll < 0.2 ? 1 : roll < 0.75 ? 2 : 3;
    // Due dates around today whatever the table size: some overdue, most in the next four months.
    const due = chance() < 0.6 ? sqlDate(this.now + (chance() * 150 - 30) * DAY_MS) : null;
    const title = `${this.pick(VERBS)} ${this.pick(OBJECTS)}${chance() < 0.35 ? this.pick(SUFFIXES) : ''}`;
    const notes = this.notes();
    return [
      this.owner,
      title,
      notes,
      searchTerms(this.owner, title),
      searchTerms(this.owner, notes),
      done ? 'done' : 'open',
      priority,
      due,
      sqlTimestamp(created),
      sqlTimestamp(updated),
      done ? sqlTimestamp(updated) : null,
      1 + (done ? 1 : 0) + Math.floor(chance() * 3),
    ];
  }

  private notes(): string {
    if (this.random() < 0.15) return '';
    const parts: string[] = [];
    const count = 1 + Math.floor(this.random() * 3);
    for (let i = 0; i < count; i++) parts.push(this.pick(SENTENCES));
    if (this.random() < 0.02) parts.push(SEARCH_SENTENCE);
    if (this.random() < 0.1) parts.push(`Ref #${Math.floor(this.random() * 90_000) + 10_000}.`);
    return parts.join(this.random() < 0.3 ? '\n' : ' ');
  }
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' in UTC, as the app stores timestamps. */
const sqlTimestamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
const sqlDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
