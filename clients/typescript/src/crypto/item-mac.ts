// Item files' MAC (docs/spec.md §3.1): every field the client acts on before an item opens — format (mode), name,
// unit id, the sealed item's header, the server, a threshold set's members — authenticated under a key derived from
// the root key, so a changed field is refused like a tampered item:
//   item_mac_key = HKDF(ikm = root_key, salt = "", info = "symbolon.dev/v1/item-file-mac", L = 32)
//   mac          = HMAC-SHA256(item_mac_key, item_fields)
import { type Bytes, concat, u32be, utf8, uuidToBytes } from './bytes.js';
import { Labels } from './labels.js';
import { HeaderSize } from './sealed-item.js';

/** The version byte that opens the MAC'd fields. */
export const ItemMacVersion = 1;

/** The size of an item MAC in bytes. */
export const ItemMacSize = 32;

/** The fields of an item file the MAC covers, as the two clients read them from the document. */
export interface MacFields {
  readonly format: number;
  readonly name: string;
  readonly unitId: string;
  readonly sealedItem: Uint8Array;
  readonly server: string | null;
  readonly threshold: { readonly threshold: number; readonly members: readonly { readonly server: string; readonly unitId: string; readonly version: number }[] } | null;
}

/** The non-extractable HMAC-SHA256 key of item files, derived from the root key (an HKDF key that derives keys). */
export function deriveItemMacKey(rootKey: CryptoKey): Promise<CryptoKey> {
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(Labels.ItemFileMac) },
    rootKey,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign', 'verify'],
  );
}

/**
 * item_fields = u8(1) ‖ u32be(format) ‖ str(name) ‖ uuid(unit_id) ‖ u32be(len(header)) ‖ header ‖ str(server or "")
 * ‖ (u8(0) | u8(1) ‖ u8(t) ‖ u8(n) ‖ per member: str(server) ‖ uuid(unit_id) ‖ u32be(version)), with
 * str(s) = u16be(len(utf8(s))) ‖ utf8(s). Servers exactly as the document spells them. Throws RangeError on a field
 * that does not fit its width (a tampered document).
 */
export function itemFields(item: MacFields): Bytes {
  const header = item.sealedItem.subarray(0, HeaderSize);
  const parts: Uint8Array[] = [
    Uint8Array.of(ItemMacVersion), u32(item.format), str(item.name), uuidToBytes(item.unitId), u32(header.length), header, str(item.server ?? ''),
  ];
  if (item.threshold === null) {
    parts.push(Uint8Array.of(0));
  } else {
    parts.push(Uint8Array.of(1, u8(item.threshold.threshold), u8(item.threshold.members.length)));
    for (const member of item.threshold.members) {
      parts.push(str(member.server), uuidToBytes(member.unitId), u32(member.version));
    }
  }
  return concat(...parts);
}

/**
 * vault.json's itemMacTag: HMAC-SHA256(item_mac_key, "symbolon.dev/v1/item-macs-complete" ‖ uuid(vault_id)), the
 * authenticated record that every item document of the vault carries its MAC.
 */
export async function itemMacsTag(key: CryptoKey, vaultId: string): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, itemMacsMessage(vaultId)));
}

/** True when `tag` is the vault's itemMacsTag (WebCrypto's verify compares in constant time). */
export async function verifyItemMacsTag(key: CryptoKey, vaultId: string, tag: Uint8Array): Promise<boolean> {
  return tag.length === ItemMacSize && crypto.subtle.verify('HMAC', key, tag as Bytes, itemMacsMessage(vaultId));
}

function itemMacsMessage(vaultId: string): Bytes {
  return concat(utf8(Labels.ItemMacsComplete), uuidToBytes(vaultId));
}

export async function itemMac(key: CryptoKey, item: MacFields): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, itemFields(item)));
}

/** True when `mac` is the item's MAC (WebCrypto's verify compares in constant time). */
export async function verifyItemMac(key: CryptoKey, item: MacFields, mac: Uint8Array): Promise<boolean> {
  return mac.length === ItemMacSize && crypto.subtle.verify('HMAC', key, mac as Bytes, itemFields(item));
}

function u8(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new RangeError('a field does not fit one byte');
  }
  return value;
}

function u32(value: number): Bytes {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError('a field does not fit four bytes');
  }
  return u32be(value);
}

function str(text: string): Bytes {
  const bytes = utf8(text);
  if (bytes.length > 0xffff) {
    throw new RangeError('a string field is longer than 65535 bytes');
  }
  const length = new Uint8Array(2);
  new DataView(length.buffer).setUint16(0, bytes.length);
  return concat(length, bytes);
}
