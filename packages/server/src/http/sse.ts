import type { FastifyReply } from 'fastify';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * The server's one Server-Sent Events writer (HTML Living Standard §9.2): takes over the reply, keeps proxies
 * from buffering, and writes events, comments and the reconnection delay in the stream's wire format.
 */
export class SseWriter {
  readonly res: ServerResponse;

  /** Hijack `reply` and send the stream's head, keeping the headers already decided (CORS). */
  constructor(reply: FastifyReply) {
    reply.hijack();
    this.res = reply.raw;
    this.res.writeHead(200, {
      ...(reply.getHeaders() as OutgoingHttpHeaders),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
  }

  /** How long the browser waits before it reconnects. */
  retry(ms: number): void {
    this.res.write(`retry: ${ms}\n\n`);
  }

  /** One event; `data` is sent as one line of JSON. */
  event(id: number | string, name: string, data: unknown): void {
    this.res.write(`id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** A comment line: keeps idle connections open through proxies. */
  comment(text: string): void {
    this.res.write(`: ${text}\n\n`);
  }

  end(): void {
    this.res.end();
  }
}
