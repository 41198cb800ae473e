// Bookings, a single-page app on @adieu/browser. No framework and no bundler: the SDK is one ESM file.
import { AdieuClient, EventType } from '/sdk/adieu-browser.js';

const config = JSON.parse(document.getElementById('adieu-config').textContent);
const client = new AdieuClient(config);
const $ = (id) => document.getElementById(id);
const seen = [];

client.addEventCallback((message) => {
  const reason = message.payload && message.payload.reason ? ` (${message.payload.reason})` : '';
  seen.push(`${message.eventType}${reason}`);
  $('events').textContent = seen.slice(-6).join(', ');
  const accountEvents = [
    EventType.SESSION_ENDED,
    EventType.ACCOUNT_ADDED,
    EventType.ACCOUNT_REMOVED,
    EventType.ACTIVE_ACCOUNT_CHANGED,
    EventType.LOCAL_CLEARED,
  ];
  if (accountEvents.includes(message.eventType)) render();
});

function render() {
  const account = client.getActiveAccount() || client.getAllAccounts()[0] || null;
  $('who').textContent = account ? account.name || account.username : 'Nobody';
  $('details').textContent = account ? `username ${account.username}` : '';
  $('signed-in').hidden = !account;
  $('signed-out').hidden = Boolean(account);
  document.body.dataset.user = account ? account.username : '';
}

$('signin').addEventListener('click', () => {
  $('problem').hidden = true;
  return client.loginRedirect({ scopes: ['openid', 'profile', 'email'] });
});
$('signout').addEventListener('click', () => client.logoutRedirect({ account: client.getActiveAccount() }));
// Local only: the app forgets the account, the provider does not (a trap, shown on purpose).
$('signout-local').addEventListener('click', () =>
  client.logoutRedirect({ account: client.getActiveAccount(), onRedirectNavigate: () => false }).then(render),
);

// What a person reads when the return from the provider is an error (e.g. "Cancel and return to the app").
function problemText(e) {
  const text = `${e && e.error ? e.error : ''} ${e && e.message ? e.message : ''}`;
  if (/access_denied/.test(text)) return 'You cancelled the sign-in, so nobody is signed in here.';
  if (e && e.code === 'network_error') return 'The sign-in service could not be reached.';
  return 'The sign-in did not complete.';
}

await client.initialize();
let failed = false;
try {
  const result = await client.handleRedirectPromise();
  if (result && result.account) client.setActiveAccount(result.account);
} catch (e) {
  // Never leave the page on "…": say what happened; the Sign in button below is the way to try again.
  console.error('Bookings: sign-in did not complete', e);
  failed = true;
  $('problem').textContent = problemText(e);
  $('problem').hidden = false;
  $('signin').textContent = 'Try again';
}
client.enableAccountStorageEvents();
client.monitorSession();
// Links from the portal carry ?login=1: sign in on arrival (silently, thanks to the SSO session).
const params = new URLSearchParams(location.search);
if (!failed && params.get('login') === '1' && client.getAllAccounts().length === 0) {
  history.replaceState(null, '', '/');
  await client.loginRedirect({ scopes: ['openid', 'profile', 'email'] });
} else {
  render();
  document.body.dataset.ready = 'true';
}
