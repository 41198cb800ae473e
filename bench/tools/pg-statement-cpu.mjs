/**
 * This process's CPU per PostgreSQL statement, for the choices bench/README.md weighs (issue 18):
 * - `direct` against `kysely`: the same compiled refresh-token read (the token joined with its session, as the
 *   token endpoint reads it) run by store/pg-direct.ts or by Kysely's executor;
 * - `joined` against `plain`: that read (33 columns) against the token alone (16 columns), both direct: what each
 *   column a row carries costs the driver.
 * - with PG_SOCKET_DIR set (say /var/run/postgresql), `socket` against `tcp`: that read over the server's Unix
 *   socket against over the URL's TCP connection.
 * Rounds of 4,000 statements from 16 concurrent callers, each pair back to back; the median of the differences.
 * Pin it to one core (`taskset -c 1`) so the database server runs elsewhere; the numbers are the client's CPU only.
 *
 *   npm run build && DATABASE_URL=postgres://… [PG_SOCKET_DIR=/var/run/postgresql] [ROUNDS=30] \
 *     taskset -c 1 node bench/tools/pg-statement-cpu.mjs
 */
import { connect } from '../../packages/server/dist/store/connect.js';
import { migrateToLatest } from '../../packages/server/dist/store/migrations.js';
import { pgDirectFor } from '../../packages/server/dist/store/pg-direct.js';
import { RefreshTokensRepo } from '../../packages/server/dist/store/repos/refresh-tokens.js';
import { joinedSessionColumns } from '../../packages/server/dist/store/repos/sessions.js';
import { testDatabase } from '../../packages/server/dist/testing/index.js';
import { median } from '../lib/load.mjs';

if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL (a PostgreSQL URL) is required');
const ROUNDS = Number(process.env.ROUNDS ?? 30);
const STATEMENTS = 4_000;
const CALLERS = 16;
const TOKENS = 100;

const database = testDatabase('postgres');
const c = await connect(database.url);
const socketDir = process.env.PG_SOCKET_DIR;
const overSocket = socketDir ? new URL(database.url) : undefined;
overSocket?.searchParams.set('host', socketDir);
const s = overSocket ? await connect(overSocket.toString()) : undefined;
try {
  await migrateToLatest(c.db, 'postgres');
  const repo = new RefreshTokensRepo(c.db, 'postgres');
  const now = Date.now();
  for (let i = 0; i < TOKENS; i++) {
    await c.db
      .insertInto('sessions')
      .values({
        sid: `sid-${i}`,
        cookie_digest: String(i).padStart(64, '0'),
        user_id: 'user',
        auth_time: Math.floor(now / 1000),
        created_at: now,
        last_active_at: now,
        idle_expires_at: now + 3_600_000,
        absolute_expires_at: now + 36_000_000,
        remember_me: 0,
        idle_seconds: 3600,
        ended_at: null,
        end_reason: null,
        logout_id: null,
        ip: '203.0.113.7',
        user_agent:
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36',
        browser_id: 'b'.repeat(43),
        amr: 'pwd',
      })
      .execute();
    await repo.insertRefresh({
      token_digest: `token-${i}`,
      family_id: 'family',
      client_id: 'app',
      user_id: 'user',
      sid: `sid-${i}`,
      scope: 'openid offline_access',
      offline: false,
      auth_time: Math.floor(now / 1000),
      created_at: now,
      expires_at: now + 3_600_000,
      used_at: null,
      revoked_at: null,
      revoke_reason: null,
      access_jti: null,
      access_expires_at: null,
      amr: 'pwd',
    });
  }
  const joined = (digest) =>
    c.db
      .selectFrom('refresh_tokens as r')
      .leftJoin('sessions as s', 's.sid', 'r.sid')
      .selectAll('r')
      .select(joinedSessionColumns('s'))
      .where('r.token_digest', '=', digest)
      .compile();
  const plain = (digest) =>
    c.db.selectFrom('refresh_tokens').selectAll().where('token_digest', '=', digest).compile();
  const direct = pgDirectFor(c.db);
  // Compiled up front: building and compiling is not what is measured.
  const queries = { joined: [], plain: [] };
  for (let i = 0; i < TOKENS; i++) {
    queries.joined.push(joined(`token-${i}`));
    queries.plain.push(plain(`token-${i}`));
  }
  const overTcp = (i) => direct.execute(queries.joined[i % TOKENS]);
  // Each comparison: a name for the difference, and its two sides (a side may be the same run as in another pair).
  const pairs = [
    { a: ['direct', overTcp], b: ['kysely', (i) => c.db.executeQuery(queries.joined[i % TOKENS])] },
    { a: ['joined', overTcp], b: ['plain', (i) => direct.execute(queries.plain[i % TOKENS])] },
    ...(s
      ? [{ a: ['socket', (i) => pgDirectFor(s.db).execute(queries.joined[i % TOKENS])], b: ['tcp', overTcp] }]
      : []),
  ];
  for (const { a, b } of pairs) {
    for (const [, run] of [a, b]) {
      const { rows } = await run(7);
      if (rows.length !== 1) throw new Error('the probe read found no row');
    }
  }

  const perStatement = async (run) => {
    const start = process.cpuUsage();
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, w) => {
        for (let i = w; i < STATEMENTS; i += CALLERS) await run(i);
      }),
    );
    const used = process.cpuUsage(start);
    return (used.user + used.system) / STATEMENTS;
  };
  const samples = pairs.map(() => ({ a: [], b: [] }));
  for (let r = 0; r < ROUNDS; r++) {
    // Each pair back to back, its order alternating, so neither side always runs on a warmer or busier machine or
    // pays the other's garbage.
    for (const [k, pair] of pairs.entries()) {
      for (const side of r % 2 ? ['a', 'b'] : ['b', 'a']) {
        samples[k][side].push(await perStatement(pair[side][1]));
      }
    }
  }
  console.log(`CPU of this process per statement (µs; ${ROUNDS} rounds of ${STATEMENTS}; median, min):`);
  for (const [k, { a, b }] of pairs.entries()) {
    const { a: as, b: bs } = samples[k];
    // The difference within each round, whose machine state both sides shared, is steadier than two medians.
    const diffs = as.map((v, i) => v - bs[i]);
    const row = (name, values) => `${name} ${median(values).toFixed(1)}, ${Math.min(...values).toFixed(1)}`;
    console.log(
      `  ${row(a[0], as)} | ${row(b[0], bs)} | ${a[0]} − ${b[0]} per round: median ${median(diffs).toFixed(1)}`,
    );
  }
} finally {
  await s?.db.destroy();
  await c.db.destroy();
  await database.cleanup();
}
