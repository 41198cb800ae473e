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
  $('details').textContent = account ? `username ${account.username}, SSO session ${account.sid}` : '';
  $('signed-in').hidden = !account;
  $('signed-out').hidden = Boolean(account);
  document.body.dataset.user = account ? account.username : '';
}

$('signin').addEventListener('click', () => client.loginRedirect({ scopes: ['openid', 'profile', 'email'] }));
$('signout').addEventListener('click', () => client.logoutRedirect({ account: client.getActiveAccount() }));
// Local only: the app forgets the account, the provider does not (seed 003's pitfall, shown on purpose).
$('signout-local').addEventListener('click', () =>
  client.logoutRedirect({ account: client.getActiveAccount(), onRedirectNavigate: () => false }).then(render),
);

await client.initialize();
const result = await client.handleRedirectPromise();
if (result && result.account) client.setActiveAccount(result.account);
client.enableAccountStorageEvents();
client.monitorSession();
// Links from the portal carry ?login=1: sign in on arrival (silently, thanks to the SSO session).
const params = new URLSearchParams(location.search);
if (params.get('login') === '1' && client.getAllAccounts().length === 0) {
  history.replaceState(null, '', '/');
  await client.loginRedirect({ scopes: ['openid', 'profile', 'email'] });
} else {
  render();
  document.body.dataset.ready = 'true';
}
