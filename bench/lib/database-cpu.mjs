/**
 * Keep a local PostgreSQL (or Redis) server off the providers' core for the run.
 *
 * The providers are pinned to one CPU so that their CPU per flow is comparable. A PostgreSQL server on the same
 * machine is not pinned: its backends run wherever the scheduler puts them, often on the providers' core, where
 * every query preempts the provider, evicts its caches and costs it CPU it did not spend on its own work. Measured
 * on a 2-core VM (2026-12-03): with PostgreSQL's processes kept on the other core, Adieu's CPU per refresh on
 * PostgreSQL fell from 1.79 to 1.43 ms while SQLite's and the peer's (no server) moved within noise. In a
 * deployment the database has cores (usually a host) of its own, so the pinned figure is the one to compare.
 *
 * Only a server on this machine can be pinned (the URL's host is local), and only processes we may change (root,
 * or the server's own user); anything else is reported and the run goes on unpinned. The Redis server the
 * oidc-provider Redis row uses is kept off the core for the same reason.
 */
import { execFileSync } from 'node:child_process';

const LOCAL = new Set(['', 'localhost', '127.0.0.1', '[::1]', '::1']);

/** PIDs of the processes called `name` (for `postgres`: the postmaster and every backend and background worker). */
function pidsOf(name) {
  try {
    return execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** A process's CPU mask in taskset's hexadecimal form, or undefined if it is gone. */
function maskOf(pid) {
  try {
    const out = execFileSync('taskset', ['-p', pid], { encoding: 'utf8' });
    return out.trim().split(/:\s*/).pop();
  } catch {
    return undefined;
  }
}

/**
 * Pin the local PostgreSQL server named by `databaseUrl` to `cpus` (taskset list syntax, e.g. "0"). New backends
 * inherit the postmaster's mask, so connections opened later are pinned too. Returns what was done, for the report,
 * and `restore()`, which puts every `postgres` process back on the mask it had (new ones on the postmaster's).
 */
export function pinLocalPostgres(databaseUrl, cpus) {
  return pinLocalServer(databaseUrl, 'postgres', cpus);
}

/** The same for the local Redis server named by `redisUrl` (one process, `redis-server`, and its threads). */
export function pinLocalRedis(redisUrl, cpus) {
  return pinLocalServer(redisUrl, 'redis-server', cpus);
}

function pinLocalServer(url, processName, cpus) {
  const none = (reason) => ({ pinned: false, reason, restore() {} });
  let host;
  try {
    host = new URL(url).hostname;
  } catch {
    return none('its URL is not a URL');
  }
  if (!LOCAL.has(host)) return none(`the server (${host}) is not on this machine`);
  const pids = pidsOf(processName);
  if (!pids.length) return none(`no process named ${processName} was found`);
  const before = new Map(pids.map((pid) => [pid, maskOf(pid)]));
  // The lowest PID is PostgreSQL's postmaster: it started first, and every backend is its child.
  const postmasterMask = before.get(
    pids
      .map(Number)
      .sort((a, b) => a - b)[0]
      .toString(),
  );
  let changed = 0;
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', String(cpus), pid], { stdio: 'ignore' });
      changed++;
    } catch {
      // A backend that ended meanwhile, or one we may not change.
    }
  }
  if (!changed) return none(`taskset was not allowed to change the ${processName} processes`);
  return {
    pinned: true,
    restored: false,
    processes: changed,
    cpus: String(cpus),
    restore() {
      // Once only: the run's end and its exit handler both call it.
      if (this.restored) return;
      this.restored = true;
      for (const pid of pidsOf(processName)) {
        const mask = before.get(pid) ?? postmasterMask;
        if (!mask) continue;
        try {
          execFileSync('taskset', ['-a', '-p', mask, pid], { stdio: 'ignore' });
        } catch {
          // gone
        }
      }
    },
  };
}
