#!/usr/bin/env node
/**
 * Summarise a sampled allocation profile (from `node bench/run.mjs --heap-profile DIR`): bytes allocated per flow,
 * by package/file and by allocating function, the objects that died included. Allocation is what makes the young
 * generation fill and the scavenger run; what a flow keeps is measured by the sessions part instead.
 * Usage: node bench/tools/heap-summary.mjs FILE.heapprofile [top=25]
 */
import { readFileSync } from 'node:fs';
import { place } from './frame-place.mjs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/tools/heap-summary.mjs FILE.heapprofile [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
// Older files (or one saved from DevTools) carry no flow count: then the numbers are totals.
const flows = Number(profile.flows) || 1;

const byPlace = new Map();
const byFn = new Map();
let total = 0;
/**
 * Native frames (no URL) count towards their caller, as in profile-summary.mjs; allocations made while the
 * inspector itself ran (starting the sampler) are not the provider's.
 */
function walk(node, caller, inInspector) {
  const cf = node.callFrame;
  const inspector = inInspector || cf.url === 'node:inspector';
  const here =
    cf.url || !caller || cf.functionName.startsWith('(')
      ? place(cf)
      : `${caller} [native ${cf.functionName}]`;
  if (node.selfSize && !inspector) {
    total += node.selfSize;
    byPlace.set(here, (byPlace.get(here) ?? 0) + node.selfSize);
    const fn = `${cf.functionName || '(anonymous)'}  ${here}:${cf.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + node.selfSize);
  }
  for (const c of node.children ?? []) walk(c, cf.url ? place(cf) : caller, inspector);
}
walk(profile.head, undefined, false);

const kb = (bytes) => `${(bytes / flows / 1024).toFixed(2).padStart(7)} KB`;
const pct = (bytes) => `${((100 * bytes) / total).toFixed(1).padStart(5)}%`;
console.log(
  `${file}: ${(total / 1024 / 1024).toFixed(1)} MB allocated` +
    (profile.flows ? ` in ${flows} flows, ${(total / flows / 1024).toFixed(1)} KB per flow` : '') +
    `\n\nallocated by place (per flow, share):`,
);
for (const [p, b] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${kb(b)} ${pct(b)}  ${p}`);
console.log('\nheaviest allocating functions (per flow, share):');
for (const [f, b] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${kb(b)} ${pct(b)}  ${f}`);
