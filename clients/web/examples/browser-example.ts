import { IndexedDbStorage, VaultClient } from '@symbolon/client';

export async function example(server: string, username: string, password: string,
  signIn: (user: string, secret: string) => Promise<string>): Promise<string> {
  const vault = await VaultClient.open({ storage: await IndexedDbStorage.open() }); // keys stay in IndexedDB
  await vault.createAccount(server, username, password); // once; afterwards only log in
  await vault.login(server, { username, password });
  await vault.add('acme', { username: 'bot@acme.example', password: 'vendor-secret', url: 'https://portal.acme.example' });
  return vault.use('acme', (credential) => signIn(credential.username, credential.revealPassword())); // asks the server
}
