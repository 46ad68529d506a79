import { afterAll, expect, test } from 'bun:test';
import mysql from 'mysql2/promise';
import { createLiveApi, startLiveServer } from '../../harness/live-server';
import { startThrowawayMariadb, type ThrowawayMariadb } from '../../harness/mariadb';

/**
 * Drill: a client that sends bulk changes of every size, and bursts of creates and reads of every
 * size, on a server whose prepared statements are capped (max_prepared_stmt_count, shared by every
 * connection of every instance). Each distinct statement text is a prepared statement on each
 * pooled connection; when the text followed the count of ids or rows, such a client took the cap
 * (and the app's memory) with it, and every request after failed. Now statements come in a few
 * shapes (src/db/statement-shapes.ts), and every request is answered.
 */

const STATEMENT_CAP = 150;
const BULK_SIZES = 130;

let mariadb: ThrowawayMariadb | undefined;
afterAll(() => mariadb?.stop());

async function setCap(admin: mysql.Connection, cap: number): Promise<void> {
  await admin.query(`SET GLOBAL max_prepared_stmt_count = ${cap}`);
}

async function preparedOnServer(admin: mysql.Connection): Promise<number> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'");
  return Number(rows[0]?.Value);
}

/** The app on a database of its own on the throwaway server, its statements capped at STATEMENT_CAP. */
async function appOnCappedServer(database: string) {
  mariadb ??= await startThrowawayMariadb();
  const admin = await mysql.createConnection({ uri: mariadb.url });
  await admin.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await setCap(admin, STATEMENT_CAP);
  const server = await startLiveServer({ DATABASE_URL: `${mariadb.url}/${database}` });
  return { admin, server, api: createLiveApi(server.origin) };
}

test('bulk changes and bursts of every size stay within a capped server’s prepared statements', async () => {
  const { admin, server, api } = await appOnCappedServer('drill');
  try {
    const ids: number[] = [];
    // Bursts of 1 to 20 creates at once: the group commit writes them in batches of many sizes.
    for (let burst = 1; ids.length < BULK_SIZES; burst = (burst % 20) + 1) {
      const made = await Promise.all(
        Array.from({ length: burst }, (_, at) => api.create({ title: `burst ${burst} task ${at}` })),
      );
      ids.push(...made.map((task) => task.id));
    }
    const failures: string[] = [];
    for (let count = 1; count <= BULK_SIZES; count++) {
      const action = count % 2 ? 'complete' : 'reopen';
      const tasks = ids.slice(0, count).map((id) => ({ id }));
      const reply = await api.call('POST', '/api/tasks/bulk', { action, tasks });
      if (reply.status !== 200) failures.push(`${action} ${count}: ${reply.status} ${reply.text}`);
    }
    // Reads of one task each, concurrent: batched into IN lists of many lengths.
    for (let burst = 1; burst <= 40; burst++) {
      const replies = await Promise.all(ids.slice(0, burst).map((id) => api.call('GET', `/api/tasks/${id}`)));
      for (const reply of replies) if (reply.status !== 200) failures.push(`read: ${reply.status} ${reply.text}`);
    }
    expect(failures).toEqual([]);
    const tasks = await api.list();
    expect(tasks).toHaveLength(ids.length);
    // The last bulk change (130, even) reopened the 130 it named; the others were never completed.
    expect(tasks.filter((task) => task.status !== 'open')).toEqual([]);
    console.log(
      `drill: prepared statements: ${ids.length} creates in bursts of 1-20, bulk changes of 1-${BULK_SIZES} tasks, reads in bursts of 1-40: ${failures.length} failed, ${await preparedOnServer(admin)} statements on the server (cap ${STATEMENT_CAP})`,
    );
  } finally {
    await server.stop();
    await admin.end();
  }
}, 120_000);

test('a server out of prepared statements is a 503 to retry, and the app serves again once it has room', async () => {
  const { admin, server, api } = await appOnCappedServer('full_server');
  try {
    const task = await api.create({ title: 'kept through it' });
    // Other clients of the server (another app, a migration tool) took every slot: a statement
    // this app has not prepared yet (its first bulk change) cannot be.
    await setCap(admin, 0);
    const complete = { action: 'complete', tasks: [{ id: task.id }] };
    const refused = await api.call('POST', '/api/tasks/bulk', complete);
    expect(refused.status).toBe(503);
    expect(refused.json().error).toBe('database_unavailable');
    await setCap(admin, STATEMENT_CAP);
    expect((await api.get(task.id)).status).toBe('open');
    expect((await api.call('POST', '/api/tasks/bulk', complete)).status).toBe(200);
    expect((await api.get(task.id)).status).toBe('done');
  } finally {
    await setCap(admin, STATEMENT_CAP);
    await server.stop();
    await admin.end();
  }
}, 60_000);
