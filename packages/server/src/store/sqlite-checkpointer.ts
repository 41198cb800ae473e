import { createRequire } from 'node:module';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as WorkerThreads from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/** SQLite's own default for wal_autocheckpoint (pages), restored if the worker stops unexpectedly. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

/** How often the worker checkpoints, and the WAL size past which the main connection helps (see below). */
export interface CheckpointerOptions {
  intervalMs?: number;
  walLimitPages?: number;
}

/** What the worker reports after each checkpoint: `PRAGMA wal_checkpoint(PASSIVE)`'s row. */
interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

type WorkerMessage = { type: 'ready' } | ({ type: 'checkpoint' } & CheckpointRow) | { type: 'failed' };

/**
 * The worker's whole program, run with `eval` (so the same code serves the built server and the TypeScript test
 * run, which has no .js file to point a Worker at). It must use only its arguments: it is sent as source text.
 */
function checkpointWorker(
  threads: typeof WorkerThreads,
  Database: typeof SQLite,
  options: { file: string; intervalMs: number },
): void {
  const port = threads.parentPort!;
  const db = new Database(options.file);
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  let last = '';
  const checkpoint = () => {
    try {
      const [row] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
      // Only news is sent: an idle server's event loop is not woken ten times a second for nothing.
      const now = `${row!.log}/${row!.checkpointed}`;
      if (now !== last) port.postMessage({ type: 'checkpoint', ...row });
      last = now;
    } catch {
      // SQLITE_BUSY and the like: the next tick tries again; the main thread counts it.
      port.postMessage({ type: 'failed' });
    }
  };
  const timer = setInterval(checkpoint, options.intervalMs);
  port.on('message', (m) => {
    if (m !== 'stop') return;
    clearInterval(timer);
    db.close();
    port.close();
  });
  port.postMessage({ type: 'ready' });
}

/**
 * WAL checkpoints on a worker thread instead of inside a commit on the event loop.
 *
 * By default SQLite checkpoints automatically when a commit leaves the WAL over 1000 pages: that commit, on the
 * main thread, copies the WAL into the database file and (synchronous=NORMAL) fsyncs both. Measured on refresh
 * rotations: one commit in ~200 took over 5 ms, up to 30–50 ms, the fsyncs being most of it, and every request of
 * the process waited meanwhile (issue 18: "nothing blocks the event loop for more than 5 ms"). Here the main
 * connection's auto-checkpoint is off, and a worker with its own connection runs `PRAGMA wal_checkpoint(PASSIVE)`
 * every `intervalMs` (100 ms): PASSIVE never waits for readers or writers, so the copying and the fsyncs happen on
 * the worker, and commits keep their durability (a commit is in the WAL before it returns; the WAL is replayed
 * after kill -9). A checkpoint with nothing new to copy does no I/O, so an idle server does not fsync.
 *
 * The WAL starts again from its beginning only when a writer finds every frame copied: a PASSIVE checkpoint that
 * a commit overtook leaves the last frames for the next one. Under steady load one of them soon finishes between
 * two commits (the WAL stayed at a few MB at 700 rotations/s), but a write load with no gap could keep it from
 * ever finishing. So when the worker reports a WAL over `walLimitPages` (16384 pages, 64 MiB), the main
 * connection checkpoints by itself again, as SQLite does by default, until the WAL has started again; and if the
 * worker dies, it does so for good. The WAL file is truncated back to 64 MiB when it starts again
 * (journal_size_limit), so a burst does not leave a large file behind.
 *
 * One checkpointer per process; several processes on one file each run theirs (a checkpoint that finds another
 * running simply does less).
 */
export class SqliteCheckpointer {
  /**
   * Checkpoints that found something new, the last one's WAL size and frames copied (pages), failed ones, and
   * hand-backs to SQLite's own.
   */
  readonly stats = { checkpoints: 0, failures: 0, walPages: 0, checkpointedPages: 0, handedBack: 0 };
  private stopping = false;
  private exited = false;
  private mainAuto = false;

  private constructor(
    private readonly worker: Worker,
    private readonly main: SQLite.Database,
    private readonly walLimitPages: number,
  ) {
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'checkpoint') this.checkpointed(m);
      else if (m.type === 'failed') this.stats.failures++;
    });
    // An error ends the worker too ('exit' follows); without a listener it would be thrown in the main thread.
    worker.on('error', () => {});
    worker.on('exit', () => {
      this.exited = true;
      if (!this.stopping) this.mainCheckpointing(true);
    });
  }

  /** Start the worker on `file` (the main connection `main` has it open in WAL mode); resolves once it runs. */
  static async start(
    main: SQLite.Database,
    file: string,
    options: CheckpointerOptions = {},
  ): Promise<SqliteCheckpointer> {
    const driver = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;
    const workerOptions = { file, intervalMs: options.intervalMs ?? 100 };
    const program =
      `Promise.all([import('node:worker_threads'), import(${JSON.stringify(driver)})])` +
      `.then(([threads, sqlite]) => (${checkpointWorker.toString()})(threads, sqlite.default, ` +
      `${JSON.stringify(workerOptions)}))`;
    const worker = new Worker(program, { eval: true });
    const checkpointer = new SqliteCheckpointer(worker, main, options.walLimitPages ?? 16_384);
    const [first] = (await Promise.race([once(worker, 'message'), once(worker, 'exit')])) as [unknown];
    if ((first as WorkerMessage | undefined)?.type !== 'ready') {
      checkpointer.stopping = true;
      await worker.terminate();
      throw new Error('sqlite: the checkpoint worker did not start');
    }
    main.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    checkpointer.mainCheckpointing(false);
    // The worker never keeps the process alive: a process that is done exits, and SQLite replays the WAL.
    worker.unref();
    return checkpointer;
  }

  /** Whether the main connection checkpoints by itself now (false while the worker does it alone). */
  get mainCheckpoints(): boolean {
    return (this.main.pragma('wal_autocheckpoint', { simple: true }) as number) > 0;
  }

  /** Stop the worker and close its connection; the main connection's close then checkpoints the rest. */
  async stop(): Promise<void> {
    if (this.stopping || this.exited) return;
    this.stopping = true;
    const exited = once(this.worker, 'exit');
    this.worker.postMessage('stop');
    const timeout = setTimeout(() => void this.worker.terminate(), 5000);
    await exited;
    clearTimeout(timeout);
  }

  /** For tests: end the worker as a crash would. */
  async kill(): Promise<void> {
    const exited = once(this.worker, 'exit');
    await this.worker.terminate();
    await exited;
  }

  private checkpointed(row: CheckpointRow): void {
    const restarted = row.log < this.stats.walPages;
    this.stats.checkpoints++;
    this.stats.walPages = row.log;
    this.stats.checkpointedPages = row.checkpointed;
    if (!this.mainAuto && row.log > this.walLimitPages) {
      this.stats.handedBack++;
      this.mainCheckpointing(true);
    } else if (this.mainAuto && restarted) this.mainCheckpointing(false);
  }

  private mainCheckpointing(on: boolean): void {
    if (!this.main.open) return;
    this.mainAuto = on;
    this.main.pragma(`wal_autocheckpoint = ${on ? SQLITE_DEFAULT_AUTOCHECKPOINT : 0}`);
  }
}
