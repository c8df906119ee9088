/** Words the shell reads as they are: no expansion, globbing, splitting or assignment can happen to them. */
const PLAIN_WORD = /^[A-Za-z0-9_./:@%+,-]+$/;

/**
 * Quotes a string as one word for a POSIX shell. Every value that reaches a remote shell goes through here —
 * double quotes are not enough (`$(…)` and backticks still expand inside them). Plain words stay bare, so
 * the commands fleet prints in its hints read as an operator would type them.
 */
export function shellQuote(value: string): string {
  return PLAIN_WORD.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
