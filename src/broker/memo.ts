/**
 * What the broker remembers for its clients between runs, by key: the CLI's parsed inventory (fleet/
 * remembered-inventory.ts), which a long-lived process parses once where each CLI run would parse it again
 * (the YAML parse was a quarter of a warm --persist run's CLI CPU). The values are the client's plain data;
 * the broker does not read them. Bounded: the least recently used goes first.
 */
export class Memo {
  private readonly entries = new Map<string, unknown>();

  constructor(private readonly limit = 16) {}

  recall(key: string): unknown {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  remember(key: string, value: unknown): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
  }
}
