/** Issue 19 point 6: an app coming back to a session it took part in names the account first. */
import { describe, expect, it } from 'vitest';
import { mustNameAccountFirst } from '../../../src/protocol/check-returning-app.js';

/** A store answer: `portal` already got tokens in session `s1`. */
function participants() {
  const asked: string[] = [];
  const isParticipant = async (sid: string, clientId: string) => {
    asked.push(`${sid} ${clientId}`);
    return sid === 's1' && clientId === 'portal';
  };
  return { asked, isParticipant };
}
const req = (clientId: string, prompt: string[] = []) => ({ clientId, prompt: new Set(prompt) });

describe('mustNameAccountFirst', () => {
  it('an interactive request from an app that already took part in the session: name the account', async () => {
    const { isParticipant } = participants();
    expect(await mustNameAccountFirst(req('portal'), 's1', isParticipant)).toBe(true);
    expect(await mustNameAccountFirst(req('portal', ['consent']), 's1', isParticipant)).toBe(true);
  });

  it('a first sign-in at an app (single sign-on from the portal) stays silent', async () => {
    const { isParticipant } = participants();
    expect(await mustNameAccountFirst(req('bookings'), 's1', isParticipant)).toBe(false);
    // Taking part in another account's session does not count for this one.
    expect(await mustNameAccountFirst(req('portal'), 's2', isParticipant)).toBe(false);
  });

  it('prompt=none never shows a page, and does not even ask the store (silent SSO stays one lookup)', async () => {
    const { asked, isParticipant } = participants();
    expect(await mustNameAccountFirst(req('portal', ['none']), 's1', isParticipant)).toBe(false);
    expect(asked).toEqual([]);
  });
});
