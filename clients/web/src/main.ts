// Entry point: opens this browser's vault (keys and sealed items in IndexedDB) and hands it to the app.
import { IndexedDbStorage, VaultClient } from '@symbolon/client';
import { App } from './app.js';
import { readSettings } from './settings.js';

const settings = readSettings(window.location);
const app = new App(settings);
app.bind();

try {
  const storage = await IndexedDbStorage.open();
  const vault = await VaultClient.open({
    storage,
    idleTimeoutMs: settings.idleSeconds * 1000,
    onLock: () => app.onIdleLock(),
    onWarning: (message) => app.onWarning(message),
    deviceName: 'web app',
  });
  await app.start(vault);
} catch (error) {
  app.failToStart(error);
}
