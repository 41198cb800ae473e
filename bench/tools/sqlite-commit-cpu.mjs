/**
 * CPU of SQLite's writes per flow, better-sqlite3 alone on the real schema (Adieu's migrations), for the choices
 * bench/README.md weighs (issue 18): what the connection's locking costs.
 * - `silent-sso`: a code stored (one statement, its own commit), read back, and exchanged (mark consumed + the
 *   refresh token, one transaction), as the two requests of a silent SSO write;
 * - `refresh`: a token read, then the rotation (mark used + insert the successor, one transaction).
 * Each on two files: `shared`, Adieu's settings (WAL, synchronous = NORMAL, the default locking: every
 * transaction takes and drops POSIX locks on the WAL index, so other processes, the `adieu` CLI and the
 * checkpoint worker's own connection, can use the file), and `exclusive` (`locking_mode = EXCLUSIVE`: one lock
 * held for good and the WAL index in the process's memory; no other connection can open the file).
 * 20,000 flows of history first; rounds of 1,000 flows, the variants back to back, a checkpoint after each
 * (untimed: Adieu checkpoints in a worker thread); the median CPU per flow and of the per-round differences.
 *
 *   npm run build && taskset -c 1 node bench/tools/sqlite-commit-cpu.mjs [ROUNDS=15]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { connect } from '../../packages/server/dist/store/connect.js';
import { median } from '../lib/load.mjs';
import { migrateToLatest } from '../../packages/server/dist/store/migrations.js';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const FLOWS = 1_000;
const HISTORY = 20_000;
const PEOPLE = 16;

const dir = mkdtempSync(join(tmpdir(), 'adieu-sqlite-commit-'));
const tokens = Array.from({ length: 4096 }, () => randomBytes(32).toString('base64url'));
let t = 0;
/** A unique 43+ character token without paying for randomness inside the timed loop. */
const token = () => `${tokens[t++ & 4095]}${t}`;

async function open(variant) {
  const file = join(dir, `${variant}.db`);
  const created = await connect(`sqlite:${file}`);
  await migrateToLatest(created.db, 'sqlite');
  await created.db.destroy();
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  if (variant === 'exclusive') db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('wal_autocheckpoint = 0');
  const s = {
    storeCode: db.prepare(
      'insert into "auth_codes" ("code_digest", "client_id", "user_id", "sid", "redirect_uri", "scope", "nonce", ' +
        '"code_challenge", "code_challenge_method", "auth_time", "created_at", "expires_at") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    readCode: db.prepare('select * from "auth_codes" where "code_digest" = ?'),
    consumeCode: db.prepare(
      'update "auth_codes" set "consumed_at" = ?, "family_id" = ?, "access_jti" = ?, "access_expires_at" = ? ' +
        'where "code_digest" = ? and "consumed_at" is null',
    ),
    storeToken: db.prepare(
      'insert into "refresh_tokens" ("token_digest", "family_id", "client_id", "user_id", "sid", "scope", "offline", ' +
        '"auth_time", "amr", "created_at", "expires_at") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    readToken: db.prepare('select * from "refresh_tokens" where "token_digest" = ?'),
    markUsed: db.prepare(
      'update "refresh_tokens" set "used_at" = ? where "token_digest" = ? and "used_at" is null and "revoked_at" is null',
    ),
  };
  const exchange = db.transaction((code, now, person, family) => {
    s.consumeCode.run(now, family, token(), now + 600_000, code);
    return newToken(now, person, family);
  });
  const rotate = db.transaction((old, now, person, family) => {
    s.markUsed.run(now, old);
    return newToken(now, person, family);
  });
  const people = Array.from({ length: PEOPLE }, () => ({ sid: token(), user: token(), rt: '', family: '' }));
  const scope = 'openid profile email offline_access';
  function newToken(now, person, family) {
    const digest = token();
    s.storeToken.run(
      digest,
      family,
      'bench-web',
      person.user,
      person.sid,
      scope,
      0,
      now,
      'pwd',
      now,
      now + 86_400_000,
    );
    return digest;
  }
  const flows = {
    'silent-sso': (i) => {
      const now = Date.now();
      const person = people[i % PEOPLE];
      const code = token();
      s.storeCode.run(
        code,
        'bench-web',
        person.user,
        person.sid,
        'http://127.0.0.1:9/cb',
        scope,
        token(),
        token(),
        'S256',
        now,
        now,
        now + 60_000,
      );
      s.readCode.get(code);
      person.family = `fam_${token()}`;
      person.rt = exchange(code, now, person, person.family);
    },
    refresh: (i) => {
      const person = people[i % PEOPLE];
      s.readToken.get(person.rt);
      person.rt = rotate(person.rt, Date.now(), person, person.family);
    },
  };
  for (let i = 0; i < HISTORY; i++) flows['silent-sso'](i);
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { variant, db, flows };
}

try {
  const files = [await open('shared'), await open('exclusive')];
  for (const flow of ['silent-sso', 'refresh']) {
    const samples = new Map(files.map((f) => [f.variant, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const f of files) {
        const before = process.cpuUsage();
        for (let i = 0; i < FLOWS; i++) f.flows[flow](i);
        const used = process.cpuUsage(before);
        samples.get(f.variant).push({ cpu: (used.user + used.system) / FLOWS, system: used.system / FLOWS });
        f.db.pragma('wal_checkpoint(PASSIVE)');
      }
    }
    const shared = samples.get('shared');
    console.log(`${flow}: CPU µs per flow (system time), median of ${ROUNDS} rounds of ${FLOWS}`);
    for (const [variant, s] of samples) {
      const diff = median(s.map((x, i) => x.cpu - shared[i].cpu));
      console.log(
        `  ${variant.padEnd(10)} ${median(s.map((x) => x.cpu))
          .toFixed(1)
          .padStart(6)} (${median(s.map((x) => x.system)).toFixed(1)})` +
          (variant === 'shared' ? '' : `   − shared: ${diff.toFixed(1)}`),
      );
    }
  }
  for (const f of files) f.db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
