/**
 * The few ANSI SGR escapes the text output uses. Hand-written rather than a dependency: six colours and a
 * reset are all we need, and the CLI alone decides whether colour is on (TTY, NO_COLOR, --color), so every
 * function here takes that decision as a plain flag instead of sniffing the environment itself.
 */

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan'
  | 'brightGreen' | 'brightYellow' | 'brightBlue' | 'brightMagenta' | 'brightCyan';

const CODES: Record<Style, number> = {
  bold: 1,
  dim: 2,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  brightGreen: 92,
  brightYellow: 93,
  brightBlue: 94,
  brightMagenta: 95,
  brightCyan: 96,
};

export const RESET = '\x1b[0m';

/** Wraps `text` in the style when `color` is on; returns it untouched otherwise (and for empty text). */
export function paint(text: string, style: Style, color: boolean): string {
  if (!color || text === '') return text;
  return `\x1b[${CODES[style]}m${text}${RESET}`;
}

/**
 * Host colours: no red (it means stderr / failure here) and nothing too dark to read on a black terminal.
 */
export const HOST_PALETTE: readonly Style[] = [
  'cyan', 'green', 'yellow', 'blue', 'magenta', 'brightCyan', 'brightGreen', 'brightYellow', 'brightBlue', 'brightMagenta',
];

/**
 * FNV-1a over the name, so a host keeps its colour from one run to the next (and across workers), which a
 * round-robin assignment in arrival order would not give.
 */
export function hostStyle(host: string): Style {
  let hash = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) {
    hash ^= host.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return HOST_PALETTE[(hash >>> 0) % HOST_PALETTE.length] ?? 'cyan';
}
