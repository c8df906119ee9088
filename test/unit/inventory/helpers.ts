import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { parseInventory } from '../../../src/inventory/index.js';
import type { Inventory } from '../../../src/inventory/index.js';

/** Fixed home and user so results do not depend on who runs the tests. */
export const OPTIONS = { home: '/home/op', user: 'op', env: {} };

/** Lines joined exactly, so line and column numbers in expectations can be counted by eye. */
export const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

export const parse = (text: string): Inventory => parseInventory(text, 'hosts.yaml', OPTIONS);

export const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/inventory/${name}`, import.meta.url));

/** Runs `fn`, expecting a ConfigError with exactly this message; returns it for further checks. */
export function configError(fn: () => unknown, message: string): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const err = caught as ConfigError;
  expect(err.message).toBe(message);
  return err;
}

export async function configErrorAsync(fn: () => Promise<unknown>, message: string): Promise<ConfigError> {
  const err = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).message).toBe(message);
  return err as ConfigError;
}
