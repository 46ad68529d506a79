import { expect, test } from 'bun:test';
import mysql from 'mysql2/promise';
import { startThrowawayMariadb } from '../../harness/mariadb';

// The harness's fallback for machines with no server on 3306: a private mariadbd in a temp folder.
test('the throwaway MariaDB starts on its own port, answers queries, and is gone after stop()', async () => {
  const server = await startThrowawayMariadb();
  try {
    expect(server.url).not.toContain(':3306');
    const connection = await mysql.createConnection({ uri: server.url });
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
    await connection.end();
    expect(String(rows[0]?.version)).toMatch(/MariaDB/);
  } finally {
    server.stop();
  }
  await Bun.sleep(200);
  await expect(mysql.createConnection({ uri: server.url, connectTimeout: 1_000 })).rejects.toThrow();
}, 60_000);
