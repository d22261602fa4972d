// The item modes this client knows: the one place that finds an item's mode, by its document format
// (src/Symbolon.Client/Modes/ItemModes.cs). A new mode is one file plus one line here.
import type { ItemMode } from '../crypto/context.js';
import { InvalidOperationError } from '../errors.js';
import type { FormatCheck, StoredItem } from '../items.js';
import { BlindedMode } from './blinded.js';
import type { ItemModeHandler } from './mode.js';
import { SplitMode } from './split.js';
import { ThresholdMode } from './threshold.js';

export class ItemModes implements FormatCheck {
  /** Every mode; a mode given twice (by its mode or its format) is a programming error. */
  constructor(readonly all: readonly ItemModeHandler[]) {
    if (new Set(all.map((m) => m.mode)).size !== all.length || new Set(all.map((m) => m.format)).size !== all.length) {
      throw new TypeError('Each mode and each item format must appear once.');
    }
  }

  static readonly default = new ItemModes([new SplitMode(), new ThresholdMode(), new BlindedMode()]);

  /** These modes and `mode` (tests add modes of their own). */
  with(mode: ItemModeHandler): ItemModes {
    return new ItemModes([...this.all, mode]);
  }

  /** Whether a document read from the store is of a known format and fits that mode. */
  fits(item: StoredItem): boolean {
    return this.all.find((m) => m.format === item.format)?.fits(item) === true;
  }

  /** The mode of an item read through the item store (which has checked that it fits). */
  of(item: StoredItem): ItemModeHandler {
    const mode = this.all.find((m) => m.format === item.format);
    if (mode === undefined) {
      throw new InvalidOperationError(`No mode knows item format ${item.format}.`);
    }
    return mode;
  }

  /** The mode to add an item in: one that exists, given a set exactly when it takes one. */
  forAdding(mode: ItemMode, set: string | undefined): ItemModeHandler {
    const found = this.all.find((m) => m.mode === mode);
    if (found === undefined || found.takesSet !== (set !== undefined)) {
      throw new InvalidOperationError('Threshold mode needs a server set, and only threshold mode takes one.');
    }
    return found;
  }
}
