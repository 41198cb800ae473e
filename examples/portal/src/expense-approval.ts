import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '@adieu/server/html';
import { requireAcr } from '@adieu/node/fastify';

/** The expenses the demo shows. */
export const EXPENSES = [
  { id: 'train', label: 'Train to Lyon', amount: '€ 89.00' },
  { id: 'hotel', label: 'Hotel, 2 nights', amount: '€ 240.00' },
] as const;

/** Approving an expense needs a second factor (docs/mfa.md): the demo's step-up. */
const APPROVAL_LEVEL = 'urn:adieu:mfa';

/**
 * Expense approval, the demo's step-up: the approval page needs `urn:adieu:mfa`, so a user signed in with a
 * password only is sent to the provider for their second factor (or to set one up), in the same provider
 * session, and comes back to the page; the form post checks the level again. Approvals live in memory.
 */
export function approvalRoutes(
  app: FastifyInstance,
  page: (req: FastifyRequest, body: SafeHtml) => Promise<string>,
) {
  const approved = new Map<string, { by: string; acr: string }>();
  /**
   * The expense the path names, or `undefined` once a 404 page has been sent. Returns the expense, never the
   * reply: a Fastify reply is thenable, so a route awaiting it as a flag would see `undefined`.
   */
  const expenseOr404 = async (
    req: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
  ): Promise<(typeof EXPENSES)[number] | undefined> => {
    const expense = EXPENSES.find((e) => e.id === req.params.id);
    if (!expense) {
      const body = html`<h2>No such expense</h2>
        <p id="not-found">There is no expense “${req.params.id}” to approve.</p>
        <a class="button" href="/">Back to the expenses</a>`;
      const text = await page(req, body);
      void reply.code(404).type('text/html').send(text);
    }
    return expense;
  };

  app.get<{ Params: { id: string } }>(
    '/expenses/:id/approve',
    { preHandler: requireAcr(APPROVAL_LEVEL) },
    async (req, reply) => {
      const expense = await expenseOr404(req, reply);
      if (!expense) return reply;
      const user = req.adieu.user!;
      const amr = Array.isArray(user.amr) ? user.amr.join(' ') : '';
      const body = html`<h2>Approve ${expense.label}?</h2>
        <p>${expense.amount}</p>
        <p class="note" id="level">
          Approving needs a second factor. You signed in at <code>${String(user.acr)}</code> (methods
          <code>${amr}</code>).
        </p>
        <form method="post" action="/expenses/${expense.id}/approve" class="row">
          <button class="primary" id="approve">Approve</button>
          <a class="button" href="/">Cancel</a>
        </form>`;
      return reply.type('text/html').send(await page(req, body));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/expenses/:id/approve',
    { preHandler: requireAcr(APPROVAL_LEVEL) },
    async (req, reply) => {
      const expense = await expenseOr404(req, reply);
      if (!expense) return reply;
      const user = req.adieu.user!;
      approved.set(expense.id, {
        by: String(user.name ?? user.preferred_username ?? user.sub),
        acr: String(user.acr),
      });
      return reply.redirect('/', 303);
    },
  );

  /** The expenses table: each row approved (by whom) or with its "Approve" link. */
  return function expenseTable(): SafeHtml {
    return html`<table id="expenses">
      <tbody>
        ${EXPENSES.map((e) => {
          const done = approved.get(e.id);
          return html`<tr>
            <td>${e.label}</td>
            <td>${e.amount}</td>
            <td>
              ${
                done
                  ? html`<span id="approved-${e.id}">Approved by ${done.by}</span>`
                  : html`<a id="approve-${e.id}" href="/expenses/${e.id}/approve">Approve</a>`
              }
            </td>
          </tr>`;
        })}
      </tbody>
    </table>`;
  };
}
