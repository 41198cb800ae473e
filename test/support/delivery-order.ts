/**
 * The order, seen inside an in-process provider, of a logout page's response finishing and the back-channel
 * outbox being kicked: a logout must answer the person first and only then start its deliveries (issue 18).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { expect } from 'vitest';
import type { TestProvider } from '../../packages/server/src/testing/index.js';

/**
 * Record 'page sent' (the response to `path` finished) and 'deliveries started' (the outbox kicked) while `act`
 * signs out through that page, then wait for `delivered` so the kick has surely happened.
 */
export async function deliveryOrder(
  op: TestProvider,
  path: string,
  act: () => Promise<void>,
  delivered: () => Promise<unknown>,
): Promise<string[]> {
  const order: string[] = [];
  const outbox = op.provider.outbox;
  const kick = outbox.kick;
  outbox.kick = () => {
    order.push('deliveries started');
    kick.call(outbox);
  };
  const watch = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith(path)) res.once('finish', () => order.push('page sent'));
  };
  op.app.server.on('request', watch);
  try {
    await act();
    await delivered();
  } finally {
    outbox.kick = kick;
    op.app.server.off('request', watch);
  }
  return order;
}

/** The page was sent, deliveries were started, and in that order. */
export function expectPageFirst(order: string[]) {
  expect(order.indexOf('page sent')).toBeGreaterThanOrEqual(0);
  expect(order.indexOf('deliveries started')).toBeGreaterThan(order.indexOf('page sent'));
}
