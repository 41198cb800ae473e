/**
 * Several accounts in one browser (issue 19, "Performance"): silent SSO with five accounts in the browser against
 * one, on each Adieu target, in the same run. Every request names its account with `login_hint`, in both cases,
 * as MSAL-style SDKs do (the opaque `login_hint` claim of that account's ID token), so both do the same work. The
 * five-account browsers rotate through their accounts, so the provider picks a session that is not the current
 * one four times out of five. The peer is not in this table: it keeps one account per browser.
 */
import { Browser } from './browser.mjs';
import { decodeJwt } from './oidc.mjs';
import { median, runLoad } from './load.mjs';

/** Browsers for one worker each: `accounts` people signed in one after another (prompt=login adds an account). */
async function browsers(t, web, people, count, accounts) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const browser = new Browser();
    const hints = [];
    for (let k = 0; k < accounts; k++) {
      const person = people[(i + k) % people.length];
      const tokens = await browser.signIn(t.rp, web, person, k === 0 ? {} : { prompt: 'login' });
      hints.push(decodeJwt(tokens.id_token).payload.login_hint);
    }
    out.push({ cookie: await browser.cookieHeader(t.server.issuer), hints, n: 0 });
  }
  return out;
}

/**
 * @returns one row per target: CPU per flow and statements per flow with one and with `accounts` accounts
 */
export async function benchAccounts({ targets, web, people, settings, log, accounts = 5 }) {
  const rows = [];
  for (const t of targets) {
    log(
      `accounts: ${t.name}: ${settings.concurrency} browsers with 1 account and ${settings.concurrency} with ${accounts} ...`,
    );
    const cases = {
      one: await browsers(t, web, people, settings.concurrency, 1),
      many: await browsers(t, web, people, settings.concurrency, accounts),
    };
    const ops = (ws) =>
      ws.map(
        (w) => () =>
          t.rp.silentSignIn(web, w.cookie, undefined, { loginHint: w.hints[w.n++ % w.hints.length] }),
      );
    for (const ws of Object.values(cases)) {
      const warm = await runLoad(ops(ws), settings.warmupMs);
      if (warm.ops === 0)
        throw new Error(`${t.name} accounts: every warm-up flow failed: ${warm.firstError}`);
    }
    const measured = { one: [], many: [] };
    for (let r = 0; r < settings.runs; r++) {
      for (const [name, ws] of Object.entries(cases)) {
        const before = await t.server.call('counters');
        const res = await runLoad(ops(ws), settings.durationMs);
        const after = await t.server.call('counters');
        if (res.errors)
          throw new Error(`${t.name} accounts (${name}): ${res.errors} errors: ${res.firstError}`);
        const flows = Math.max(1, res.ops);
        measured[name].push({
          rps: res.rps,
          cpu: (after.cpuMs - before.cpuMs) / flows,
          queries: (after.queries - before.queries) / flows,
        });
        log(
          `accounts run ${r + 1} ${t.name} (${name === 'one' ? 1 : accounts}): ${res.rps.toFixed(0)} flows/s, CPU ${((after.cpuMs - before.cpuMs) / flows).toFixed(2)} ms/flow`,
        );
      }
    }
    const pick = (xs, k) => median(xs.map((x) => x[k]));
    rows.push({
      target: t.name,
      accounts,
      one: {
        rps: pick(measured.one, 'rps'),
        cpu: pick(measured.one, 'cpu'),
        queries: pick(measured.one, 'queries'),
      },
      many: {
        rps: pick(measured.many, 'rps'),
        cpu: pick(measured.many, 'cpu'),
        queries: pick(measured.many, 'queries'),
      },
    });
  }
  return rows;
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '–');

/** The report's Markdown section. */
export function accountsReport(rows) {
  const out = [
    '\nSeveral accounts in one browser (issue 19): silent SSO (prompt=none with login_hint, then the code exchange), ' +
      'browsers holding one account against browsers holding five, interleaved runs, medians. Target: five cost at ' +
      'most 10 % more provider CPU per flow.\n',
    '| provider | accounts | flows/s | provider CPU ms / flow | store queries / flow | CPU ÷ one account |',
    '|---|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    out.push(`| ${r.target} | 1 | ${fmt(r.one.rps)} | ${fmt(r.one.cpu, 2)} | ${fmt(r.one.queries, 2)} | |`);
    out.push(
      `| ${r.target} | ${r.accounts} | ${fmt(r.many.rps)} | ${fmt(r.many.cpu, 2)} | ${fmt(r.many.queries, 2)} | ` +
        `**${fmt(r.many.cpu / r.one.cpu, 2)}×** |`,
    );
  }
  return out.join('\n');
}
