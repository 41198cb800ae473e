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

// Several people may be signed in in this browser (issue 19): the app lists its accounts, marks the active one
// (the one its calls use), and never falls back to another person when the active one leaves.
function render() {
  const active = client.getActiveAccount();
  const all = client.getAllAccounts();
  $('who').textContent = active
    ? active.name || active.username
    : all.length
      ? 'Choose an account'
      : 'Nobody';
  $('details').textContent = active ? `username ${active.username}` : '';
  $('signed-in').hidden = !active;
  $('signed-out').hidden = all.length > 0;
  $('accounts-box').hidden = all.length === 0;
  $('accounts').replaceChildren(...all.map((a) => accountItem(a, active)));
  document.body.dataset.user = active ? active.username : '';
  document.body.dataset.accounts = all.map((a) => a.username).join(' ');
}

function button(text, label, onclick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onclick);
  return b;
}

/** One account of this app: who, whether it is the one in use, and its own way to switch to it or out. */
function accountItem(account, active) {
  const name = account.name || account.username;
  const li = document.createElement('li');
  li.dataset.account = account.username;
  const who = document.createElement('span');
  const strong = document.createElement('strong');
  strong.textContent = name;
  const small = document.createElement('span');
  small.className = 'channels';
  small.textContent = `username ${account.username}`;
  who.append(strong, small);
  const actions = document.createElement('span');
  actions.className = 'actions';
  if (active && active.homeAccountId === account.homeAccountId) {
    li.setAttribute('aria-current', 'true');
    const inUse = document.createElement('span');
    inUse.className = 'status confirmed';
    inUse.textContent = 'In use';
    actions.append(inUse);
  } else {
    actions.append(button('Use', `Use ${name}`, () => client.setActiveAccount(account)));
  }
  // Only this person is signed out, everywhere; the others stay signed in here and in their apps.
  actions.append(button('Sign out', `Sign out ${name} everywhere`, () => client.logoutRedirect({ account })));
  li.append(who, actions);
  return li;
}

$('signin').addEventListener('click', () => {
  $('problem').hidden = true;
  return client.loginRedirect({ scopes: ['openid', 'profile', 'email'] });
});
// The provider's account picker: the browser's accounts, and "Use another account", which adds one here.
$('add-account').addEventListener('click', () => {
  $('problem').hidden = true;
  return client.loginRedirect({ scopes: ['openid', 'profile', 'email'], prompt: 'select_account' });
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
// Links from the portal carry ?login=1 and the portal user's login_hint: open Bookings as that same person, an
// account this app already has, or by signing in on arrival (silently, thanks to the SSO session; the hint keeps
// the provider from asking which of the browser's accounts is meant).
const params = new URLSearchParams(location.search);
const hint = params.get('login_hint');
if (!failed && params.get('login') === '1') history.replaceState(null, '', '/');
const known =
  hint && client.getAllAccounts().find((a) => a.idTokenClaims && a.idTokenClaims.login_hint === hint);
if (!failed && params.get('login') === '1' && known) client.setActiveAccount(known);
if (!failed && params.get('login') === '1' && !known && (hint || client.getAllAccounts().length === 0)) {
  await client.loginRedirect({
    scopes: ['openid', 'profile', 'email'],
    ...(hint ? { loginHint: hint } : {}),
  });
} else {
  render();
  document.body.dataset.ready = 'true';
}
