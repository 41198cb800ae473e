/**
 * Each provider runs in its own child process so that it has an event loop (and a core) to itself while the
 * load generator runs in the parent. The parent talks to it over the IPC channel: start, read counters, stop.
 */
import { execFileSync, fork } from 'node:child_process';

/**
 * Pin a process and all its threads to one CPU (Linux `taskset`), so that every provider and the signature floor
 * run on the same core and the load generator on another. Threads started later inherit the mask.
 */
export function pin(pid, cpu) {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

/**
 * Parent side: fork `script`, call `start(options)` in it, and return a handle with `call(method, params)`.
 * With `cpu`, the child is pinned to that CPU before it starts.
 */
export async function startChild(script, options, { execArgv = [], cpu } = {}) {
  const child = fork(script, [], {
    // The child's stdout goes to our stderr: stdout carries only the report.
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...execArgv],
  });
  if (cpu !== undefined) pin(child.pid, cpu);
  child.stdout.pipe(process.stderr);
  const pending = new Map();
  let seq = 0;
  let exited = false;
  child.on('message', (m) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(new Error(`${script}: ${m.error}`));
    else p.resolve(m.result);
  });
  const exit = new Promise((resolve) =>
    child.on('exit', (code) => {
      exited = true;
      for (const p of pending.values()) p.reject(new Error(`${script} exited with code ${code}`));
      pending.clear();
      resolve(code);
    }),
  );
  const call = (method, params) =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error(`${script} is not running`));
      const id = ++seq;
      pending.set(id, { resolve, reject });
      child.send({ id, method, params });
    });
  let info;
  try {
    info = await call('start', options);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    ...info,
    pid: child.pid,
    call,
    async stop() {
      if (exited) return;
      await call('stop').catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Child side: answer the parent's calls with `handlers[method](params)`; `stop` ends the process. */
export function serve(handlers) {
  process.on('message', async ({ id, method, params }) => {
    try {
      const fn = handlers[method];
      if (!fn) throw new Error(`unknown method ${method}`);
      const result = await fn(params);
      process.send({ id, result: result ?? null });
      if (method === 'stop') process.disconnect();
    } catch (e) {
      process.send({ id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
  // The parent went away (Ctrl-C, crash): do not linger.
  process.on('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
}
