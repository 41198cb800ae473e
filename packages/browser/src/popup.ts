/**
 * Popups. The window is opened synchronously in the click (before any `await`, or popup blockers refuse it) on
 * `about:blank`, then sent to the provider. Its answer comes back two ways, whichever is first: the opener reads
 * the popup's URL once it is back on the app's origin (MSAL.js's way), and the page the popup lands on posts the
 * URL over BroadcastChannel ({@link broadcastResponseToMainFrame}), which still works when a
 * `Cross-Origin-Opener-Policy` header has cut the link between the two windows.
 */
import { AdieuError } from './errors.js';
import { stateKind } from './interaction.js';
import { responseState } from './protocol.js';
import { TabChannel, type TabChannelOptions, type TabMessage } from './tab-sync.js';

/** MSAL.js's `PopupWindowAttributes`. */
export interface PopupWindowAttributes {
  popupSize?: { height: number; width: number };
  popupPosition?: { top: number; left: number };
}

/** The channel popups answer on (same-origin only). */
export const POPUP_CHANNEL = 'adieu:popup';

/** Open an empty, centred popup, or throw `popup_window_error`. */
export function openPopup(name: string, attrs: PopupWindowAttributes = {}): Window {
  const width = attrs.popupSize?.width ?? 483;
  const height = attrs.popupSize?.height ?? 600;
  const left = attrs.popupPosition?.left ?? Math.max(0, screenX + (outerWidth - width) / 2);
  const top = attrs.popupPosition?.top ?? Math.max(0, screenY + (outerHeight - height) / 2);
  let popup: Window | null = null;
  try {
    popup = window.open(
      'about:blank',
      name,
      `popup=yes,width=${width},height=${height},top=${top},left=${left}`,
    );
  } catch {
    popup = null;
  }
  if (!popup) throw new AdieuError('popup_window_error', 'the browser refused to open the popup (blocked?)');
  popup.focus?.();
  return popup;
}

export interface PopupWait {
  state: string;
  /** The origin the answer arrives on (the redirect or post-logout URI's). */
  origin: string;
  timeoutMs: number;
  graceMs: number;
  channel?: TabChannelOptions;
}

/** Resolve with the URL the popup came back to; reject on timeout or when the user closed it. */
export function waitForPopup(popup: Window, w: PopupWait): Promise<string> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let closedAt: number | undefined;
    const finish = (ok: boolean, value: string | AdieuError) => {
      clearInterval(timer);
      channel.close();
      if (ok) {
        try {
          popup.close();
        } catch {
          // already gone
        }
        resolve(value as string);
      } else reject(value as AdieuError);
    };
    const channel = new TabChannel(
      POPUP_CHANNEL,
      (m: TabMessage) => {
        if (m.t === 'popup' && m.state === w.state) finish(true, m.url);
      },
      w.channel,
    );
    const timer = setInterval(() => {
      try {
        const href = popup.location.href;
        if (href && new URL(href).origin === w.origin && responseState(href) === w.state) {
          finish(true, href);
          return;
        }
      } catch {
        // still on the provider's origin
      }
      const now = Date.now();
      if (popup.closed) {
        closedAt ??= now;
        if (now - closedAt > w.graceMs) {
          finish(
            false,
            new AdieuError('user_cancelled', 'the popup was closed before the provider answered'),
          );
          return;
        }
      }
      if (now - started > w.timeoutMs) {
        finish(
          false,
          new AdieuError('monitor_window_timeout', `no answer from the popup in ${w.timeoutMs} ms`),
        );
      }
    }, 50);
  });
}

/**
 * On the page a popup lands on: if this URL is a popup's answer, hand it to the window that opened the popup
 * and close this one. Returns whether it was a popup answer. `handleRedirectPromise()` calls it for you; call it
 * yourself on a bare landing page that does not construct a client (MSAL.js v4's redirect-bridge function of the
 * same name).
 *
 * @example
 * ```html
 * <script type="module">
 *   import { broadcastResponseToMainFrame } from './adieu-browser.js';
 *   broadcastResponseToMainFrame();
 * </script>
 * ```
 */
export function broadcastResponseToMainFrame(
  url: string = location.href,
  channel?: TabChannelOptions,
): boolean {
  const state = responseState(url);
  const kind = stateKind(state);
  if (kind !== 'lp' && kind !== 'xp') return false;
  const c = new TabChannel(POPUP_CHANNEL, () => undefined, {
    ...(channel ?? {}),
    storage: channel?.storage ?? (typeof localStorage === 'object' ? localStorage : undefined),
  });
  c.post({ t: 'popup', state: state!, url });
  c.close();
  try {
    if (typeof window === 'object') window.close();
  } catch {
    // a window the script did not open cannot be closed; the opener closes it when it can
  }
  return true;
}
