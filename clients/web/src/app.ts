// The app's screens and what each button does. Every vault operation goes through @symbolon/client's VaultClient;
// the app only shows its results. Passwords appear on screen only after a click and are taken off again after a
// few seconds; nothing the app shows is stored by it.
import {
  ItemMode, NotLoggedInError, describeDuration, normalizeServer, type AuditEntry, type ItemInfo, type VaultClient,
} from '@symbolon/client';
import { checkAudit } from '@symbolon/client/audit';
import { previewVendorLogin } from './demo-sync.js';
import { byId, element, whileBusy } from './dom.js';
import { describeError, type Message, type MessageKind } from './messages.js';
import { chooseServer, type AppSettings } from './settings.js';

type ScreenName = 'loading' | 'login' | 'signup' | 'locked' | 'vault';

const screenNames: readonly ScreenName[] = ['loading', 'login', 'signup', 'locked', 'vault'];

/** The smallest password the key server accepts by default (Symbolon.Protocol, CreateAccountRequest). */
const MinPasswordLength = 12;

/**
 * How long a session the app could not end stays open on the key server: until unused this long, the server's
 * default (Symbolon:Sessions:IdleTimeout).
 */
const ServerSessionIdleSeconds = 30 * 60;

/** A credential shown on screen, and the timer that hides it again. */
interface Revealed {
  readonly name: string;
  readonly hide: () => void;
}

export class App {
  private vault: VaultClient | undefined;
  private server: string | undefined;
  private username = '';
  private deviceId: string | undefined;
  private items: ItemInfo[] = [];
  private revealed: Revealed | undefined;
  /** Set while this app locks on request, so the client's lock callback is not taken for the idle lock. */
  private locking = false;
  /**
   * The client's warnings not shown yet. This app's operations warn only when logout or a lock could not end the
   * session on the key server, so one here means the session outlives this page's tokens.
   */
  private warnings: string[] = [];

  constructor(private readonly settings: AppSettings) {}

  /** Wires every form and button. Call once, before {@link start}. */
  bind(): void {
    byId('login-form', HTMLFormElement).addEventListener('submit', (event) => { event.preventDefault(); void this.login(); });
    byId('signup-form', HTMLFormElement).addEventListener('submit', (event) => { event.preventDefault(); void this.signUp(); });
    byId('unlock-form', HTMLFormElement).addEventListener('submit', (event) => { event.preventDefault(); void this.unlock(); });
    byId('add-form', HTMLFormElement).addEventListener('submit', (event) => { event.preventDefault(); void this.add(); });
    byId('to-signup', HTMLButtonElement).addEventListener('click', () => this.showScreen('signup', byId('signup-username', HTMLInputElement)));
    byId('to-login', HTMLButtonElement).addEventListener('click', () => this.showScreen('login', byId('login-username', HTMLInputElement)));
    byId('locked-to-login', HTMLButtonElement).addEventListener('click', () => this.showScreen('login', byId('login-username', HTMLInputElement)));
    byId('lock-button', HTMLButtonElement).addEventListener('click', (event) => void this.lock(event.currentTarget as HTMLButtonElement));
    byId('logout-button', HTMLButtonElement).addEventListener('click', (event) => void this.logout(event.currentTarget as HTMLButtonElement));
    byId('audit-load', HTMLButtonElement).addEventListener('click', (event) => void this.showAudit(event.currentTarget as HTMLButtonElement));
    byId('audit-check', HTMLButtonElement).addEventListener('click', (event) => void this.checkReceipts(event.currentTarget as HTMLButtonElement));
  }

  /** Shows the vault if this browser has a live session, the login screen otherwise. */
  async start(vault: VaultClient): Promise<void> {
    this.vault = vault;
    this.setServer(canonical(chooseServer(this.settings, vault.server)));
    const status = await vault.status();
    if (status.server === this.server && status.username !== undefined) {
      this.username = status.username;
      this.deviceId = status.deviceId;
      if (status.loggedIn) {
        await this.enterVault();
        return;
      }
      // The session went idle while the page was closed: end it on the server now, as the timer would have.
      await this.lockQuietly();
      this.showLocked(`The vault locked itself after ${describeDuration(this.settings.idleSeconds)} without use.`);
      return;
    }
    this.showScreen('login', this.server === undefined ? byId('login-server', HTMLInputElement) : byId('login-username', HTMLInputElement));
    const suggested = canonical(this.settings.serverParameter);
    if (suggested !== undefined && this.server !== undefined && suggested !== this.server) {
      this.tell('warning', `This link names the key server ${suggested}; this browser keeps using ${this.server}.`,
        'A link cannot change the key server you log in to. To use another one, type its address in the Key server field.');
    }
  }

  /** The idle lock fired: the client has already tried to end the session on the server. */
  onIdleLock(): void {
    if (this.locking) {
      return;
    }
    this.showLocked(`The vault locked itself after ${describeDuration(this.settings.idleSeconds)} without use.`);
  }

  /** A problem the client reports without failing the operation (here: a session it could not end on the server). */
  onWarning(message: string): void {
    this.warnings.push(message);
  }

  /** Shows a failure of opening the vault itself (no IndexedDB, no WebCrypto). */
  failToStart(error: unknown): void {
    const secure = window.isSecureContext
      ? describeError(error, this.server)
      : { kind: 'error' as const, title: 'This page must be opened over https (or from this computer).', detail: 'Browsers allow the vault\'s keys only in a secure context.' };
    this.say(secure);
    byId('loading-title', HTMLHeadingElement).textContent = 'The vault could not be opened';
  }

  // ---- screens --------------------------------------------------------------------------------------------------

  private showScreen(name: ScreenName, focus?: HTMLElement): void {
    for (const screen of screenNames) {
      byId(`screen-${screen}`, HTMLElement).hidden = screen !== name;
    }
    byId('session-bar', HTMLDivElement).hidden = name !== 'vault';
    byId('main', HTMLElement).classList.toggle('narrow-screen', name !== 'vault');
    for (const id of ['login-password', 'signup-password', 'signup-confirm', 'unlock-password']) {
      byId(id, HTMLInputElement).value = '';
    }
    const target = focus ?? document.querySelector<HTMLElement>(`#screen-${name} h1`);
    target?.focus();
  }

  private showLocked(reason: string): void {
    const ended = this.takeWarnings().length === 0;
    this.hideRevealed();
    this.clearMessage();
    byId('locked-reason', HTMLParagraphElement).textContent = reason;
    byId('locked-session', HTMLParagraphElement).textContent = ended
      ? 'The key server has ended the session, so the tokens this page held are no longer accepted. Your credentials '
        + 'stay sealed in this browser; log in again to open them.'
      : `This page could not reach the key server to end the session; it deleted its tokens, and the session there ends by itself after ${describeDuration(ServerSessionIdleSeconds)} without use. `
        + 'Your credentials stay sealed in this browser; log in again to open them.';
    byId('unlock-username', HTMLInputElement).value = this.username;
    this.showScreen('locked', this.username === '' ? byId('unlock-username', HTMLInputElement) : byId('unlock-password', HTMLInputElement));
  }

  private setServer(server: string | undefined): void {
    this.server = server;
    byId('server-name', HTMLSpanElement).textContent = server ?? 'not chosen';
    for (const id of ['login-server', 'signup-server']) {
      byId(id, HTMLInputElement).value = server ?? '';
    }
  }

  private async enterVault(): Promise<void> {
    byId('session-user', HTMLElement).textContent = this.username;
    byId('idle-text', HTMLSpanElement).textContent = describeDuration(this.settings.idleSeconds);
    byId('audit-table-wrap', HTMLDivElement).hidden = true;
    byId('audit-result', HTMLParagraphElement).textContent = '';
    await this.renderItems();
    this.showScreen('vault', byId('items-title', HTMLHeadingElement));
  }

  // ---- messages -------------------------------------------------------------------------------------------------

  private say(message: Message): void {
    const box = byId('message', HTMLDivElement);
    box.className = `message ${message.kind}`;
    box.replaceChildren(element('strong', { text: message.title }), message.detail);
    // Errors are announced at once; confirmations wait for the reader to finish.
    box.setAttribute('role', message.kind === 'info' ? 'status' : 'alert');
  }

  private tell(kind: MessageKind, title: string, detail = ''): void {
    this.say({ kind, title, detail });
  }

  private clearMessage(): void {
    byId('message', HTMLDivElement).replaceChildren();
  }

  /** Reports a failed operation; a lost session sends the person to the lock screen. */
  private fail(error: unknown): void {
    if (error instanceof NotLoggedInError && !byId('screen-vault', HTMLElement).hidden) {
      this.showLocked(error.message);
    }
    this.say(describeError(error, this.server));
  }

  // ---- accounts and sessions ------------------------------------------------------------------------------------

  private readServer(input: HTMLInputElement): string | undefined {
    try {
      const server = normalizeServer(input.value.trim());
      input.removeAttribute('aria-invalid');
      return server;
    } catch (error) {
      input.setAttribute('aria-invalid', 'true');
      this.say(describeError(error, undefined));
      input.focus();
      return undefined;
    }
  }

  private requireFilled(...inputs: HTMLInputElement[]): boolean {
    for (const input of inputs) {
      if (input.value.trim() === '') {
        input.setAttribute('aria-invalid', 'true');
        const label = document.querySelector(`label[for="${input.id}"]`)?.textContent?.trim() ?? input.name;
        this.tell('error', `${label} is required.`);
        input.focus();
        return false;
      }
      input.removeAttribute('aria-invalid');
    }
    return true;
  }

  private async login(): Promise<void> {
    const serverInput = byId('login-server', HTMLInputElement);
    const username = byId('login-username', HTMLInputElement);
    const password = byId('login-password', HTMLInputElement);
    if (!this.requireFilled(serverInput, username, password)) {
      return;
    }
    const server = this.readServer(serverInput);
    if (server === undefined) {
      return;
    }
    await this.logInWith(byId('login-submit', HTMLButtonElement), server, username.value.trim(), password);
  }

  private async signUp(): Promise<void> {
    const serverInput = byId('signup-server', HTMLInputElement);
    const username = byId('signup-username', HTMLInputElement);
    const password = byId('signup-password', HTMLInputElement);
    const confirm = byId('signup-confirm', HTMLInputElement);
    if (!this.requireFilled(serverInput, username, password, confirm)) {
      return;
    }
    if (password.value.length < MinPasswordLength) {
      password.setAttribute('aria-invalid', 'true');
      this.tell('error', `The password is too short: use at least ${MinPasswordLength} characters.`);
      password.focus();
      return;
    }
    if (password.value !== confirm.value) {
      confirm.setAttribute('aria-invalid', 'true');
      this.tell('error', 'The two passwords differ.', 'Type the same password twice.');
      confirm.focus();
      return;
    }
    const server = this.readServer(serverInput);
    if (server === undefined) {
      return;
    }
    const button = byId('signup-submit', HTMLButtonElement);
    try {
      await whileBusy(button, 'Creating the account…', () => this.requireVault().createAccount(server, username.value.trim(), password.value));
    } catch (error) {
      this.fail(error);
      return;
    }
    await this.logInWith(button, server, username.value.trim(), password);
  }

  private async unlock(): Promise<void> {
    const username = byId('unlock-username', HTMLInputElement);
    const password = byId('unlock-password', HTMLInputElement);
    if (!this.requireFilled(username, password) || this.server === undefined) {
      return;
    }
    await this.logInWith(byId('unlock-submit', HTMLButtonElement), this.server, username.value.trim(), password);
  }

  private async logInWith(button: HTMLButtonElement, server: string, username: string, passwordInput: HTMLInputElement): Promise<void> {
    const vault = this.requireVault();
    try {
      await whileBusy(button, 'Logging in…', () => vault.login(server, { username, password: passwordInput.value }));
    } catch (error) {
      passwordInput.value = '';
      this.fail(error);
      passwordInput.focus();
      return;
    }
    passwordInput.value = '';
    this.setServer(server);
    this.username = username;
    this.deviceId = (await vault.status()).deviceId;
    this.tell('info', `Logged in as ${username}.`);
    await this.enterVault();
  }

  private async lock(button: HTMLButtonElement): Promise<void> {
    this.locking = true;
    try {
      await whileBusy(button, 'Locking…', () => this.requireVault().lock());
    } catch (error) {
      this.fail(error);
      return;
    } finally {
      this.locking = false;
    }
    this.showLocked('You locked the vault.');
  }

  private async lockQuietly(): Promise<void> {
    this.locking = true;
    try {
      await this.requireVault().lock();
    } catch (error) {
      this.fail(error);
    } finally {
      this.locking = false;
    }
  }

  private async logout(button: HTMLButtonElement): Promise<void> {
    try {
      await whileBusy(button, 'Logging out…', () => this.requireVault().logout());
    } catch (error) {
      this.fail(error);
      return;
    }
    this.hideRevealed();
    if (this.takeWarnings().length === 0) {
      this.tell('info', 'Logged out.', 'The key server ended this browser\'s session; the credentials stay sealed here.');
    } else {
      this.tell('warning', 'Logged out of this browser, but it could not reach the key server to end the session.',
        `The session there ends by itself after ${describeDuration(ServerSessionIdleSeconds)} without use. This browser deleted its tokens; the credentials stay sealed here.`);
    }
    byId('login-username', HTMLInputElement).value = this.username;
    this.showScreen('login', byId('login-password', HTMLInputElement));
  }

  // ---- items ----------------------------------------------------------------------------------------------------

  private async renderItems(): Promise<void> {
    this.hideRevealed();
    const { items, damaged } = await this.requireVault().inventory();
    this.items = items.sort((left, right) => left.name.localeCompare(right.name));
    const list = byId('item-list', HTMLUListElement);
    list.replaceChildren(...this.items.map((item) => this.itemRow(item)));
    byId('items-empty', HTMLParagraphElement).hidden = this.items.length > 0 || damaged.length > 0;
    // A damaged or altered document hides only itself: the others stay usable, and the bad one is named.
    const warning = byId('items-damaged', HTMLParagraphElement);
    warning.hidden = damaged.length === 0;
    warning.replaceChildren(
      element('strong', { text: damaged.length === 1
        ? '1 stored credential is damaged or was altered, so it is not shown and will not be opened.'
        : `${damaged.length} stored credentials are damaged or were altered, so they are not shown and will not be opened.` }),
      `This browser's storage holds ${damaged.join(', ')} in a form this vault did not write. If you did not restore an old copy, `
        + 'someone with access to this browser\'s storage may have changed it. Add the credential again from its source.');
  }

  private itemRow(item: ItemInfo): HTMLLIElement {
    const revealBox = element('div', { className: 'reveal', attributes: { id: `reveal-${item.name}`, 'aria-live': 'polite' } });
    revealBox.hidden = true;
    const syncBox = element('div', { className: 'sync', attributes: { id: `sync-${item.name}`, 'aria-live': 'polite' } });
    syncBox.hidden = true;
    const reveal = element('button', {
      className: 'secondary', text: 'Reveal',
      attributes: { type: 'button', 'aria-expanded': 'false', 'aria-controls': revealBox.id, 'aria-label': `Reveal ${item.name}`, 'data-action': 'reveal' },
    });
    const sync = element('button', {
      className: 'secondary', text: 'Run sync',
      attributes: { type: 'button', 'aria-controls': syncBox.id, 'aria-label': `Run sync with ${item.name}`, 'data-action': 'sync' },
    });
    reveal.addEventListener('click', () => void this.toggleReveal(item.name, reveal, revealBox));
    sync.addEventListener('click', () => void this.runSync(item.name, sync, syncBox));
    const added = new Date(item.createdAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    return element('li', { className: 'item', attributes: { 'data-item': item.name } },
      element('div', { className: 'item-head' },
        element('h3', { text: item.name }),
        element('span', { className: 'item-meta', text: `${modeName(item.mode)} item · added ${added}` }),
        element('div', { className: 'item-actions' }, reveal, sync)),
      revealBox, syncBox);
  }

  private async toggleReveal(name: string, button: HTMLButtonElement, box: HTMLDivElement): Promise<void> {
    if (this.revealed?.name === name) {
      this.hideRevealed();
      return;
    }
    this.hideRevealed();
    let shown: { username: string; password: string; url: string | undefined };
    try {
      shown = await whileBusy(button, 'Opening…', () => this.requireVault().use(name, (credential) => ({
        username: credential.username, password: credential.revealPassword(), url: credential.url,
      })));
    } catch (error) {
      this.fail(error);
      return;
    }
    this.clearMessage();
    let left = this.settings.revealSeconds;
    const countdown = element('p', { className: 'countdown' });
    const showLeft = (): void => { countdown.textContent = `Hidden again in ${describeDuration(left)}.`; };
    showLeft();
    box.replaceChildren(
      element('dl', {},
        element('dt', { text: 'Username' }), element('dd', { text: shown.username }),
        element('dt', { text: 'Password' }), element('dd', { className: 'mono secret', text: shown.password }),
        element('dt', { text: 'Portal' }), element('dd', { text: shown.url ?? '(none)' })),
      countdown);
    box.hidden = false;
    button.textContent = 'Hide';
    button.setAttribute('aria-label', `Hide ${name}`);
    button.setAttribute('aria-expanded', 'true');
    const timer = setInterval(() => {
      left -= 1;
      if (left <= 0) {
        this.hideRevealed();
      } else {
        showLeft();
      }
    }, 1000);
    this.revealed = {
      name,
      hide: () => {
        clearInterval(timer);
        // The strings cannot be wiped (JavaScript strings are immutable); dropping every reference is what we can do.
        box.replaceChildren();
        box.hidden = true;
        button.textContent = 'Reveal';
        button.setAttribute('aria-label', `Reveal ${name}`);
        button.setAttribute('aria-expanded', 'false');
      },
    };
  }

  private hideRevealed(): void {
    this.revealed?.hide();
    this.revealed = undefined;
  }

  private async runSync(name: string, button: HTMLButtonElement, box: HTMLDivElement): Promise<void> {
    let preview;
    try {
      preview = await whileBusy(button, 'Running…', () => this.requireVault().use(name, previewVendorLogin));
    } catch (error) {
      this.fail(error);
      return;
    }
    this.clearMessage();
    box.replaceChildren(
      element('p', { text: `The demo sync opened ${name} with the key server's consent. It would send this request to ${preview.url}:` }),
      element('pre', { className: 'mono', text: preview.text }),
      element('p', { className: 'help', text: 'Nothing was sent. The password is masked on this page; the opened credential was wiped when the sync returned.' }));
    box.hidden = false;
  }

  private async add(): Promise<void> {
    const name = byId('add-name', HTMLInputElement);
    const username = byId('add-username', HTMLInputElement);
    const password = byId('add-password', HTMLInputElement);
    const url = byId('add-url', HTMLInputElement);
    if (!this.requireFilled(name, username, password)) {
      return;
    }
    const itemName = name.value.trim();
    try {
      await whileBusy(byId('add-submit', HTMLButtonElement), 'Sealing…', () => this.requireVault().add(itemName, {
        username: username.value.trim(), password: password.value, url: url.value.trim(),
      }));
    } catch (error) {
      this.fail(error);
      return;
    }
    for (const input of [name, username, password, url]) {
      input.value = '';
    }
    await this.renderItems();
    this.tell('info', `Added ${itemName}.`, 'It is sealed in this browser; the key server holds the other half of its key.');
    name.focus();
  }

  // ---- audit ----------------------------------------------------------------------------------------------------

  private async showAudit(button: HTMLButtonElement): Promise<void> {
    let entries: AuditEntry[];
    try {
      entries = await whileBusy(button, 'Loading…', () => this.requireVault().audit());
    } catch (error) {
      this.fail(error);
      return;
    }
    this.clearMessage();
    const names = new Map(this.items.map((item) => [item.unitId.toLowerCase(), item.name]));
    const rows = [...entries].reverse().map((entry) => element('tr', {},
      element('td', { text: String(entry.sequence) }),
      element('td', { className: 'mono', text: new Date(entry.time).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) }),
      element('td', { className: 'mono', text: entry.event }),
      element('td', { text: entry.unitId === null ? '' : names.get(entry.unitId.toLowerCase()) ?? shortId(entry.unitId) }),
      element('td', { text: entry.deviceId === null ? '' : entry.deviceId === this.deviceId ? 'this browser' : shortId(entry.deviceId) }),
      element('td', { text: entry.detail })));
    byId('audit-rows', HTMLTableSectionElement).replaceChildren(...rows);
    byId('audit-table-wrap', HTMLDivElement).hidden = false;
    byId('audit-result', HTMLParagraphElement).textContent = `${entries.length} records.`;
    byId('audit-result', HTMLParagraphElement).className = 'result';
  }

  private async checkReceipts(button: HTMLButtonElement): Promise<void> {
    const result = byId('audit-result', HTMLParagraphElement);
    try {
      const check = await whileBusy(button, 'Checking…', () => checkAudit(this.requireVault()));
      this.clearMessage();
      if (check.checked === 0) {
        result.className = 'result';
        result.textContent = 'No receipts kept yet: open a credential first.';
      } else if (check.passed) {
        result.className = 'result good';
        result.textContent = `Receipts check passed: all ${check.checked} receipts match the server's log, so no opening this browser saw was dropped or rewritten.`;
      } else {
        result.className = 'result bad';
        result.textContent = `Receipts check FAILED: ${check.missing.length} of ${check.checked} receipts have no matching record in the server's log `
          + `(records ${check.missing.join(', ')}). The server dropped or rewrote them; tell its operator.`;
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private takeWarnings(): string[] {
    const warnings = this.warnings;
    this.warnings = [];
    return warnings;
  }

  private requireVault(): VaultClient {
    if (this.vault === undefined) {
      throw new Error('The vault is not open yet.');
    }
    return this.vault;
  }
}

function modeName(mode: ItemMode): string {
  switch (mode) {
    case ItemMode.Split: return 'Split';
    case ItemMode.Threshold: return 'Threshold';
    case ItemMode.Blinded: return 'Blinded';
    default: return 'Unknown';
  }
}

/** The server as the client names it, or the text as given when it is not a valid key server URL. */
function canonical(server: string | undefined): string | undefined {
  if (server === undefined) {
    return undefined;
  }
  try {
    return normalizeServer(server);
  } catch {
    return server;
  }
}

function shortId(id: string): string {
  return id.slice(0, 8);
}
