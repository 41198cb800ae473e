/**
 * A sign-in storm beside token traffic (issue 18, "Concurrency"): refresh-token rotation at the usual 16 workers,
 * first alone and then while `storm` more people sign in with their password at the configured hash cost, on
 * each Adieu target, interleaved. Password hashes are the heaviest CPU work an IdP does on purpose; the question
 * is what a burst of them does to everyone else: token latency, the event loop, and how many sign-ins get
 * through or are asked to come back. The peer is not in this table: its development login checks no password.
 *
 * A person whose sign-in is refused (503) does what the page says: waits Retry-After seconds, then tries again.
 */
import { Browser } from './browser.mjs';
import { RelyingParty } from './oidc.mjs';
import { median, runLoad } from './load.mjs';
import { passwordHashLabel } from './password-hash.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One sign-in through the login form, submitted once: 'ok' (tokens received) or 'refused' (503). */
async function signInOnce(t, web, person) {
  const browser = new Browser();
  const req = t.rp.authorizationRequest(web, {});
  const page = await browser.navigate(req.url);
  const form = page.doc.querySelectorAll('form').find((f) => f.querySelector('input[name=password]'));
  if (!form) throw new Error(`no login form (HTTP ${page.status})`);
  const after = await browser.submit(page, form, { username: person.username, password: person.password });
  if (after.status === 503) return { outcome: 'refused', retryAfter: Number(after.retryAfter ?? 1) };
  if (!after.redirectTo) throw new Error(`sign-in answered ${after.status}`);
  await t.rp.exchange(web, RelyingParty.codeFrom(after.redirectTo, req.state), req.verifier);
  return { outcome: 'ok' };
}

/**
 * The storm's workers: each a person signing in back to back, honouring Retry-After, until `endAt`. Counts what
 * ended inside the measured window (from `tally.from`), so the queue's start-up is not in the numbers.
 */
function stormWorkers(t, web, people, count, endAt, tally) {
  return Array.from({ length: count }, async (_, i) => {
    const person = people[i % people.length];
    while (performance.now() < endAt) {
      const started = performance.now();
      try {
        const r = await signInOnce(t, web, person);
        const ended = performance.now();
        const counted = ended >= tally.from && ended <= endAt;
        if (r.outcome === 'ok') {
          if (counted) {
            tally.ok++;
            tally.latencies.push(ended - started);
          }
        } else {
          if (counted) tally.refused++;
          await sleep(Math.min(r.retryAfter * 1000, Math.max(0, endAt - performance.now())));
        }
      } catch (e) {
        tally.errors++;
        tally.firstError ??= String(e.message ?? e);
      }
    }
  });
}

/** How long the storm runs before its measured window: long enough for its queue to reach a steady state. */
const STORM_WARMUP_MS = 8000;

/**
 * @returns one row per Adieu target: refresh alone and under the storm (flows/s, p50/p99 ms, loop delay), and
 * the storm's sign-ins per second, refusals and sign-in latency
 */
export async function benchStorm({ targets, web, user, people, settings, log, storm = 32 }) {
  const rows = [];
  const chains = new Map();
  for (const t of targets) {
    log(`storm: ${t.name}: signing in ${settings.concurrency} refresh workers ...`);
    const ws = [];
    for (let i = 0; i < settings.concurrency; i++) {
      const tokens = await new Browser().signIn(t.rp, web, user);
      ws.push({ rt: tokens.refresh_token });
    }
    chains.set(t, ws);
    const warm = await runLoad(
      ws.map((chain) => () => t.rp.refresh(web, chain)),
      settings.warmupMs,
    );
    if (warm.ops === 0) throw new Error(`${t.name} storm: every warm-up refresh failed: ${warm.firstError}`);
  }
  const measured = new Map(targets.map((t) => [t, { alone: [], storm: [] }]));
  for (let r = 0; r < settings.runs; r++) {
    for (const t of targets) {
      const refreshOps = chains.get(t).map((chain) => () => t.rp.refresh(web, chain));
      for (const phase of ['alone', 'storm']) {
        const warmup = phase === 'storm' ? STORM_WARMUP_MS : 0;
        const tally = {
          from: performance.now() + warmup,
          ok: 0,
          refused: 0,
          errors: 0,
          latencies: [],
          firstError: undefined,
        };
        const endAt = tally.from + settings.durationMs;
        const workers = phase === 'storm' ? stormWorkers(t, web, people, storm, endAt, tally) : [];
        await sleep(warmup);
        await t.server.call('loopReset');
        const res = await runLoad(refreshOps, settings.durationMs);
        await Promise.all(workers);
        if (res.errors)
          throw new Error(`${t.name} storm (${phase}): ${res.errors} refresh errors: ${res.firstError}`);
        const seconds = settings.durationMs / 1000;
        tally.latencies.sort((a, b) => a - b);
        const row = {
          rps: res.rps,
          p50: res.p50,
          p99: res.p99,
          loop: await t.server.call('loopDelay'),
          signIns: tally.ok / seconds,
          refusedPerSecond: tally.refused / seconds,
          signInP50: tally.latencies[Math.floor(tally.latencies.length / 2)] ?? NaN,
          signInErrors: tally.errors,
        };
        measured.get(t)[phase].push(row);
        log(
          `storm run ${r + 1} ${t.name} (${phase === 'alone' ? 'refresh alone' : `refresh + ${storm} signing in`}): ` +
            `refresh ${row.rps.toFixed(0)}/s p99 ${row.p99.toFixed(1)} ms, loop p99 ${row.loop.p99.toFixed(1)} ms` +
            (phase === 'storm'
              ? `, sign-ins ${row.signIns.toFixed(1)}/s (p50 ${row.signInP50.toFixed(0)} ms), refused ${row.refusedPerSecond.toFixed(1)}/s` +
                (tally.errors ? `, ${tally.errors} ERRORS: ${tally.firstError}` : '')
              : ''),
        );
      }
    }
  }
  for (const t of targets) {
    const m = measured.get(t);
    const pick = (phase, f) => median(m[phase].map(f));
    const summary = (phase) => ({
      rps: pick(phase, (x) => x.rps),
      p50: pick(phase, (x) => x.p50),
      p99: pick(phase, (x) => x.p99),
      loopP99: pick(phase, (x) => x.loop.p99),
      loopMax: Math.max(...m[phase].map((x) => x.loop.max)),
      signIns: pick(phase, (x) => x.signIns),
      refusedPerSecond: pick(phase, (x) => x.refusedPerSecond),
      signInP50: pick(phase, (x) => x.signInP50),
      signInErrors: m[phase].reduce((n, x) => n + x.signInErrors, 0),
    });
    rows.push({ target: t.name, storm, alone: summary('alone'), storm_: summary('storm') });
  }
  return rows;
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '–');

/** The report's Markdown section. */
export function stormReport(rows, settings) {
  const out = [
    `\nSign-in storm (issue 18, "Concurrency"): refresh-token rotation with ${settings.concurrency} workers, alone and while ` +
      `${rows[0]?.storm ?? '–'} more people sign in with their password (${passwordHashLabel(settings)}) back to back; a refused person ` +
      `waits Retry-After, then tries again. The storm runs ${STORM_WARMUP_MS / 1000} s before each measured window. Medians of the runs; ` +
      'loop delay max is the worst run.\n',
    '| provider | phase | refresh flows/s | refresh p50 ms | refresh p99 ms | event-loop delay p99 ms (max) | sign-ins/s | sign-in p50 ms | refused/s |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    for (const [phase, s] of [
      ['refresh alone', r.alone],
      ['with the storm', r.storm_],
    ]) {
      const storming = phase !== 'refresh alone';
      out.push(
        `| ${r.target} | ${phase} | ${fmt(s.rps)} | ${fmt(s.p50, 1)} | ${fmt(s.p99, 1)} | ${fmt(s.loopP99, 1)} (${fmt(s.loopMax, 0)}) | ` +
          `${storming ? fmt(s.signIns, 1) : ''} | ${storming ? fmt(s.signInP50, 0) : ''} | ${storming ? fmt(s.refusedPerSecond, 1) : ''} |`,
      );
    }
  }
  return out.join('\n');
}
