import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { recall } from '../broker/early-link.js';
import { inventoryText, loadInventory, parseInventoryText, type Inventory, type InventoryGroup } from '../inventory/index.js';

/**
 * An inventory for a run through the broker (--persist): the broker keeps the parsed inventory of the
 * previous runs, so a warm run does not parse its YAML again (a quarter of its CLI's CPU at 200 hosts).
 * A parse reads nothing but the file's text, and its defaults depend only on the home directory and the
 * login name; all of them make the key, with the stamp of the code that parsed it (the broker outlives a
 * rebuild of the CLI), so any change parses it afresh. An executable inventory runs every time, as without the broker. The value
 * stays in the broker's memory, which holds the run's secrets anyway, and is never written anywhere.
 */
export async function loadRememberedInventory(file: string, idleMs: number): Promise<Inventory> {
  const text = await inventoryText(file);
  if (text === undefined) return loadInventory(file);
  const memo = await recall(inventoryKey(file, text), idleMs);
  if (memo.value !== undefined) return fromWire(memo.value as WireInventory);
  const inventory = parseInventoryText(text, file);
  memo.remember(toWire(inventory));
  return inventory;
}

/** What the parse of `text` depends on. */
export function inventoryKey(file: string, text: string): string {
  const env = process.env;
  return createHash('sha256')
    .update(JSON.stringify(['inventory', codeStamp(), file, os.homedir(), env.USER ?? null, env.LOGNAME ?? null, text]))
    .digest('hex');
}

/** Size and time of the file this code was loaded from (the bundle, built): a rebuild changes both. */
function codeStamp(): string {
  const self = statSync(fileURLToPath(import.meta.url));
  return `${self.size}:${self.mtimeMs}`;
}

/** The inventory as JSON carries it: plain data but for the groups' Map. */
type WireInventory = Omit<Inventory, 'groups'> & { groups: [string, InventoryGroup][] };

function toWire(inventory: Inventory): WireInventory {
  return { ...inventory, groups: [...inventory.groups] };
}

function fromWire(wire: WireInventory): Inventory {
  return { ...wire, groups: new Map(wire.groups) };
}
