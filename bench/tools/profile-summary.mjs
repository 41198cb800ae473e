#!/usr/bin/env node
/**
 * Summarise a V8 .cpuprofile (from `node bench/run.mjs --profile DIR`): self time per package/file, the heaviest
 * functions, the time under each of Adieu's store calls, and µs per flow when the profile says how many flows it saw.
 * Usage: node bench/tools/profile-summary.mjs FILE.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';
import { place } from './frame-place.mjs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/tools/profile-summary.mjs FILE.cpuprofile [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
/** Samples taken while the inspector itself was busy (starting the profiler) are not the provider's work. */
function profilerOwn(id) {
  for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
    if (byId.get(p).callFrame.url === 'node:inspector') return true;
  }
  return false;
}
const self = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  if (profilerOwn(profile.samples[i])) continue;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self]
  .filter(([id]) => byId.get(id).callFrame.functionName === '(idle)')
  .reduce((a, [, us]) => a + us, 0);
const busy = total - idle;

/** Native frames (no URL) count towards whoever called them: SQLite's `run` is not WebCrypto's `run`. */
function placeOf(id) {
  const cf = byId.get(id).callFrame;
  if (cf.url || !parent.has(id) || cf.functionName.startsWith('(')) return place(cf);
  const caller = byId.get(parent.get(id)).callFrame;
  return `${place(caller)} [native ${cf.functionName}]`;
}

/**
 * WebCrypto's `run` queues a signature on libuv's pool; on one pinned core the woken pool thread usually takes the
 * core at once, and the sampler, which measures wall time, charges the signature to the main thread's `run`. The
 * main thread's own CPU (schedstat, in the bench report) shows that this time is not its work, so it is reported
 * apart and left out of the percentages.
 */
const HANDOFF = 'node:internal/crypto/util [native run]';
let handoff = 0;
const byPlace = new Map();
const byFn = new Map();
const underStore = new Map();
const fnName = (cf, p) => `${cf.functionName || '(anonymous)'}  ${p}:${cf.lineNumber + 1}`;
/**
 * Self time says where the CPU went, not what it was for: a statement's time is spread over better-sqlite3, the
 * direct runner and the row mapping. Adieu's store calls (store/repos) are called by the flows and do their work
 * below them, so the time under each (inclusive) is what that call costs: all of it on SQLite, which is
 * synchronous; on PostgreSQL only the part before the first await (the reply is handled under other stacks).
 */
const STORE = /packages\/server\/dist\/store\/repos\//;
function chargeStoreCalls(id, us) {
  const seen = new Set();
  for (let n = id; n !== undefined; n = parent.get(n)) {
    const cf = byId.get(n).callFrame;
    if (!STORE.test(cf.url)) continue;
    const fn = fnName(cf, place(cf));
    if (seen.has(fn)) continue;
    seen.add(fn);
    underStore.set(fn, (underStore.get(fn) ?? 0) + us);
  }
}
for (const [id, us] of self) {
  const cf = byId.get(id).callFrame;
  if (cf.functionName === '(idle)') continue;
  const p = placeOf(id);
  if (p === HANDOFF) {
    handoff += us;
    continue;
  }
  byPlace.set(p, (byPlace.get(p) ?? 0) + us);
  const fn = fnName(cf, p);
  byFn.set(fn, (byFn.get(fn) ?? 0) + us);
  chargeStoreCalls(id, us);
}
// Percentages are of busy time (samples where the main thread was not idle), the WebCrypto hand-off left out; with
// the number of flows the profiled run made (bench/run.mjs records it), also µs per flow.
const own = busy - handoff;
const flows = Number.isInteger(profile.flows) && profile.flows > 0 ? profile.flows : undefined;
const pct = (us) =>
  `${((100 * us) / own).toFixed(1).padStart(5)}%` +
  (flows ? `${(us / flows).toFixed(1).padStart(8)} µs` : '');
console.log(
  `${file}: ${(total / 1e6).toFixed(2)} s sampled, main thread busy ${(busy / 1e6).toFixed(2)} s ` +
    `(${((100 * busy) / total).toFixed(0)}%), of it ${(handoff / 1e6).toFixed(2)} s in WebCrypto's hand-off to the ` +
    `pool (left out below)${flows ? `; ${flows} flows, ${(own / flows).toFixed(0)} µs of the rest per flow` : ''}` +
    `\n(µs are the main thread's wall time: on a core shared with the pool threads they overstate its CPU; ` +
    `compare within a run, or profile with --cpu none)` +
    `\n\nself time by place (% of busy time without the hand-off${flows ? ', µs per flow' : ''}):`,
);
for (const [p, us] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${p}`);
console.log('\nheaviest functions (self time):');
for (const [f, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${f}`);
if (underStore.size) {
  console.log("\nAdieu's store calls (time under each, inclusive; on PostgreSQL the synchronous part only):");
  for (const [f, us] of [...underStore].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${pct(us)}  ${f}`);
}
