import { describe, expect, it, vi } from 'vitest';
import { EventHub, EventType, InteractionType, type EventMessage } from '../src/events.js';
import { AdieuError, InteractionRequiredAuthError, fromOAuthError, isAdieuError } from '../src/errors.js';

describe('events', () => {
  it('delivers MSAL.js’s message shape to matching callbacks only, until removed', () => {
    const hub = new EventHub();
    const all: EventMessage[] = [];
    const some: EventMessage[] = [];
    const id = hub.add((m) => all.push(m));
    hub.add((m) => some.push(m), [EventType.SESSION_ENDED]);
    hub.emit(EventType.LOGIN_SUCCESS, InteractionType.Redirect, { x: 1 });
    hub.emit(EventType.SESSION_ENDED, null, { reason: 'push' });
    expect(all).toHaveLength(2);
    expect(all[0]).toEqual({
      eventType: 'adieu:loginSuccess',
      interactionType: 'redirect',
      payload: { x: 1 },
      error: null,
      timestamp: expect.any(Number) as number,
    });
    expect(some.map((m) => m.eventType)).toEqual(['adieu:sessionEnded']);
    hub.remove(id);
    hub.emit(EventType.LOGOUT_END);
    expect(all).toHaveLength(2);
  });

  it('a throwing callback does not stop the others', () => {
    const hub = new EventHub();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const seen: string[] = [];
    hub.add(() => {
      throw new Error('app bug');
    });
    hub.add((m) => seen.push(m.eventType));
    hub.emit(EventType.LOCAL_CLEARED);
    expect(seen).toEqual(['adieu:localCleared']);
    spy.mockRestore();
  });

  it('has every event type the issue lists, with stable values', () => {
    for (const k of [
      'LOGIN_START',
      'LOGIN_SUCCESS',
      'LOGIN_FAILURE',
      'ACQUIRE_TOKEN_SUCCESS',
      'ACQUIRE_TOKEN_FAILURE',
      'LOGOUT_START',
      'LOGOUT_SUCCESS',
      'LOGOUT_FAILURE',
      'LOGOUT_END',
      'POPUP_OPENED',
      'ACCOUNT_ADDED',
      'ACCOUNT_REMOVED',
      'ACTIVE_ACCOUNT_CHANGED',
      'LOCAL_CLEARED',
      'SESSION_ENDED',
      'IDP_LOGOUT_CONFIRMED',
    ]) {
      expect(EventType).toHaveProperty(k);
    }
    expect(EventType.IDP_LOGOUT_CONFIRMED).toBe('adieu:idpLogoutConfirmed');
  });
});

describe('errors', () => {
  it('carry stable codes, MSAL.js’s errorCode/errorMessage, and map OAuth errors', () => {
    const e = fromOAuthError('invalid_grant', 'the sign-in session has ended');
    expect(e).toBeInstanceOf(InteractionRequiredAuthError);
    expect(e).toMatchObject({
      code: 'interaction_required',
      errorCode: 'interaction_required',
      error: 'invalid_grant',
    });
    expect(e.errorMessage).toContain('session has ended');
    const s = fromOAuthError('temporarily_unavailable', undefined);
    expect(s).toMatchObject({ code: 'server_error', error: 'temporarily_unavailable' });
    expect(isAdieuError(s, 'server_error')).toBe(true);
    expect(isAdieuError(s, 'network_error')).toBe(false);
    expect(new AdieuError('invalid_config', 'x').name).toBe('AdieuError');
  });
});
