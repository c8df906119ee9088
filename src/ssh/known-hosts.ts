import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { globToRegExp, isGlob } from '../core/glob.js';

/**
 * OpenSSH known_hosts, read-only side: parsing, host matching, key identity. Format (sshd(8) "SSH_KNOWN_HOSTS
 * FILE FORMAT"): `[@marker] hostpatterns keytype base64key [comment]`.
 *
 * - hostpatterns: comma list of `name`, `[name]:port` (non-22 ports), `*`/`?` wildcards, `!negation`
 *   (a matching negated pattern rejects the line even if another pattern matches), or a hashed
 *   `|1|base64(salt)|base64(HMAC-SHA1(salt, hoststring))` entry.
 * - markers: `@revoked` (that key must never be accepted for the matching hosts) and `@cert-authority`
 *   (a CA key, never matched as a plain host key).
 * - Matching is case-insensitive, like OpenSSH (which lowercases the host name).
 * - Lines that cannot be parsed are skipped (reported in `invalid`), as OpenSSH does.
 */

export type KnownHostsMarker = 'revoked' | 'cert-authority';

export type HostPattern =
  | { kind: 'hashed'; salt: Buffer; hash: Buffer }
  | { kind: 'glob'; negated: boolean; pattern: string; regex: RegExp };

export interface KnownHostsEntry {
  /** 1-based line number in the file. */
  line: number;
  marker?: KnownHostsMarker;
  /** The host field as written. */
  hosts: string;
  patterns: HostPattern[];
  /** The key type named inside the key blob (always equal to the type field of a valid line). */
  keyType: string;
  key: Buffer;
  comment?: string;
}

export interface InvalidKnownHostsLine {
  line: number;
  reason: string;
}

export interface ParsedKnownHosts {
  entries: KnownHostsEntry[];
  invalid: InvalidKnownHostsLine[];
}

const HASH_MAGIC = '|1|';

/** The string known_hosts stores for a host: `address` on port 22, else `[address]:port` (lowercased). */
export function hostString(address: string, port: number): string {
  const a = address.toLowerCase();
  return port === 22 ? a : `[${a}]:${port}`;
}

/** The key type named inside an SSH public key blob (its first SSH string); undefined if malformed. */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return undefined;
  const type = blob.subarray(4, 4 + len).toString('latin1');
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** OpenSSH's fingerprint form: `SHA256:` + unpadded base64 of the SHA-256 of the key blob. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A hashed host field as `ssh-keygen -H` writes it: `|1|salt|HMAC-SHA1(salt, host)`. */
export function hashHostName(host: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(host.toLowerCase()).digest();
  return `${HASH_MAGIC}${salt.toString('base64')}|${hash.toString('base64')}`;
}

/** One known_hosts line (without newline) for a host and key blob, unhashed, as accept-new appends it. */
export function formatKnownHostsLine(address: string, port: number, keyBlob: Buffer): string {
  const type = keyTypeOf(keyBlob);
  if (type === undefined) throw new Error('malformed SSH public key blob');
  return `${hostString(address, port)} ${type} ${keyBlob.toString('base64')}`;
}

function parsePattern(text: string): HostPattern | string {
  if (text.startsWith(HASH_MAGIC)) {
    const parts = text.slice(HASH_MAGIC.length).split('|');
    const [salt, hash] = parts;
    if (parts.length !== 2 || !salt || !hash || !isBase64(salt) || !isBase64(hash)) return `bad hashed host "${text}"`;
    const saltBuf = Buffer.from(salt, 'base64');
    const hashBuf = Buffer.from(hash, 'base64');
    if (hashBuf.length !== 20) return `bad hashed host "${text}" (hash is not 20 bytes)`;
    return { kind: 'hashed', salt: saltBuf, hash: hashBuf };
  }
  const negated = text.startsWith('!');
  const pattern = (negated ? text.slice(1) : text).toLowerCase();
  if (pattern === '') return `empty host pattern in "${text}"`;
  return { kind: 'glob', negated, pattern, regex: globToRegExp(pattern) };
}

function isBase64(s: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(s);
}

function parseLine(raw: string, line: number): KnownHostsEntry | InvalidKnownHostsLine | undefined {
  const text = raw.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const fields = text.split(/[ \t]+/);
  let marker: KnownHostsMarker | undefined;
  if (fields[0]?.startsWith('@')) {
    const m = fields.shift();
    if (m === '@revoked') marker = 'revoked';
    else if (m === '@cert-authority') marker = 'cert-authority';
    else return { line, reason: `unknown marker ${m}` };
  }
  const [hosts, type, b64, ...rest] = fields;
  if (hosts === undefined || type === undefined || b64 === undefined) return { line, reason: 'too few fields' };
  if (!isBase64(b64)) return { line, reason: 'key is not base64' };
  const key = Buffer.from(b64, 'base64');
  const keyType = keyTypeOf(key);
  if (keyType === undefined) return { line, reason: 'malformed key' };
  if (keyType !== type) return { line, reason: `key type field ${type} does not match the key (${keyType})` };
  const patterns: HostPattern[] = [];
  for (const p of hosts.split(',')) {
    if (p === '') continue;
    const parsed = parsePattern(p);
    if (typeof parsed === 'string') return { line, reason: parsed };
    patterns.push(parsed);
  }
  if (patterns.length === 0) return { line, reason: 'no host patterns' };
  const entry: KnownHostsEntry = { line, hosts, patterns, keyType, key };
  if (marker !== undefined) entry.marker = marker;
  if (rest.length > 0) entry.comment = rest.join(' ');
  return entry;
}

export function parseKnownHosts(text: string): ParsedKnownHosts {
  const result: ParsedKnownHosts = { entries: [], invalid: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    const parsed = parseLine(raw, i + 1);
    if (parsed === undefined) return;
    if ('key' in parsed) result.entries.push(parsed);
    else result.invalid.push(parsed);
  });
  return result;
}

/** Whether a line's host patterns match a host string (from `hostString`). */
export function entryMatchesHost(entry: KnownHostsEntry, host: string): boolean {
  const h = host.toLowerCase();
  let matched = false;
  for (const p of entry.patterns) {
    if (p.kind === 'hashed') {
      if (createHmac('sha1', p.salt).update(h).digest().equals(p.hash)) matched = true;
    } else if (p.regex.test(h)) {
      if (p.negated) return false;
      matched = true;
    }
  }
  return matched;
}

interface HostIndex {
  /** Entries whose every pattern is a plain name, under each of those names. */
  byName: Map<string, KnownHostsEntry[]>;
  /** Entries with a hashed, wildcard or negated pattern: these must be tried against every host. */
  others: KnownHostsEntry[];
}

const indexes = new WeakMap<ParsedKnownHosts, HostIndex>();

function isLiteral(p: HostPattern): p is Extract<HostPattern, { kind: 'glob' }> {
  return p.kind === 'glob' && !p.negated && !isGlob(p.pattern);
}

/**
 * A lookup by exact host string, built once per parse: scanning every line for every host made a run over
 * n hosts cost n × lines pattern tests (a second of CPU at 1,000 hosts with accept-new's own lines).
 */
function indexOf(parsed: ParsedKnownHosts): HostIndex {
  let index = indexes.get(parsed);
  if (index) return index;
  index = { byName: new Map(), others: [] };
  for (const entry of parsed.entries) {
    if (!entry.patterns.every(isLiteral)) {
      index.others.push(entry);
      continue;
    }
    for (const name of new Set(entry.patterns.map((p) => (p as { pattern: string }).pattern))) {
      const list = index.byName.get(name);
      if (list) list.push(entry);
      else index.byName.set(name, [entry]);
    }
  }
  indexes.set(parsed, index);
  return index;
}

/** Every entry (any marker) whose host patterns match `address` on `port`, in file order. */
export function findEntries(parsed: ParsedKnownHosts, address: string, port: number): KnownHostsEntry[] {
  const host = hostString(address, port);
  const { byName, others } = indexOf(parsed);
  // A copy: the lists belong to the index, which later lookups share.
  const literal = [...(byName.get(host) ?? [])];
  const matched = others.length === 0 ? [] : others.filter((e) => entryMatchesHost(e, host));
  if (matched.length === 0) return literal;
  return [...literal, ...matched].sort((a, b) => a.line - b.line);
}

interface ReadText {
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** Changed long enough before it was read that a later change must show in its times. */
  settled: boolean;
  text: string;
}

const SETTLED_NS = 2_000_000_000n;

const lastRead = new Map<string, ReadText>();

/**
 * The file's text, or '' when it does not exist. Other errors (permissions, a directory) are thrown.
 * Read synchronously: every host of a run reads it once, and fs/promises' open-fstat-read-close round trips
 * cost far more CPU than one blocking read of a small local file (with the key file: ~45 ms per 200 hosts).
 */
export async function readKnownHostsText(file: string): Promise<string> {
  try {
    // A run's hosts all read the same file, mostly unchanged: a stat, not a read of every line, tells so.
    const st = statSync(file, { bigint: true });
    const seen = lastRead.get(file);
    if (seen?.settled && seen.ino === st.ino && seen.size === st.size && seen.mtimeNs === st.mtimeNs && seen.ctimeNs === st.ctimeNs) return seen.text;
    const readAtNs = BigInt(Date.now()) * 1_000_000n;
    const text = readFileSync(file, 'utf8');
    // File times tick coarsely (a few ms, a second on some filesystems): a file changed just before the read
    // could change again, same size, without a new time. Only a file older than that is taken as it was.
    const settled = st.mtimeNs < readAtNs - SETTLED_NS;
    lastRead.set(file, { ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, settled, text });
    return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Reads and parses a known_hosts file; a missing file is empty. */
export async function readKnownHosts(file: string): Promise<ParsedKnownHosts> {
  return parseKnownHosts(await readKnownHostsText(file));
}
