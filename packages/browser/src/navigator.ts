/**
 * Navigators: how the browser is sent to the provider and back, in the spirit of oidc-client-ts' navigators.
 * The flows (login, logout) decide *what* to send; a navigator decides *how* the user gets there: this window
 * leaves for the provider (redirect), or a popup does (popup). Neither knows any OAuth rule.
 */
import type { ResolvedConfig } from './config.js';
import { AdieuError } from './errors.js';
import { openPopup, waitForPopup, type PopupWindowAttributes } from './popup.js';
import type { TabChannelOptions } from './tab-sync.js';

/** This window leaves for the provider. */
export class RedirectNavigator {
  constructor(private readonly cfg: Pick<ResolvedConfig, 'allowRedirectInIframe'>) {}

  /** Refuse to navigate a framed page unless the app allowed it (MSAL.js's `allowRedirectInIframe`). */
  check(): void {
    if (typeof window === 'object' && window.parent !== window && !this.cfg.allowRedirectInIframe) {
      throw new AdieuError(
        'redirect_in_iframe',
        'redirects inside an iframe are refused unless system.allowRedirectInIframe is true',
      );
    }
  }

  /** Go to `url`, unless the app's `onRedirectNavigate` returns `false`. Returns whether it navigated. */
  navigate(url: string, onRedirectNavigate?: (url: string) => boolean | void): boolean {
    if (onRedirectNavigate?.(url) === false) return false;
    location.assign(url);
    return true;
  }
}

/** A popup goes to the provider; this window waits for its answer. One popup at a time per client. */
export class PopupNavigator {
  private busy = false;

  constructor(
    private readonly cfg: Pick<ResolvedConfig, 'clientId' | 'windowHashTimeout' | 'popupClosedGraceMs'>,
    private readonly channel: () => TabChannelOptions,
  ) {}

  /** Claim the one popup slot, or throw `interaction_in_progress`. Pair with {@link release}. */
  reserve(): void {
    if (this.busy) throw new AdieuError('interaction_in_progress', 'another popup is still open');
    this.busy = true;
  }

  release(): void {
    this.busy = false;
  }

  /** Open the (empty) popup. Call it synchronously in the click handler, before any `await`. */
  open(kind: 'login' | 'logout', attrs?: PopupWindowAttributes): Window {
    return openPopup(`adieu.${this.cfg.clientId}.${kind}`, attrs);
  }

  /** Send the popup to the provider. */
  send(popup: Window, url: string): void {
    popup.location.href = url;
  }

  /** Resolve with the URL the popup comes back to on `origin` carrying `state`; reject on close or timeout. */
  wait(popup: Window, state: string, origin: string): Promise<string> {
    return waitForPopup(popup, {
      state,
      origin,
      timeoutMs: this.cfg.windowHashTimeout,
      graceMs: this.cfg.popupClosedGraceMs,
      channel: this.channel(),
    });
  }
}
