import type { SshConfigAt, SshConfigFile, SshConfigNode } from './ssh-config-file.js';
import { patternListMatches } from './ssh-patterns.js';

/**
 * What ssh_config says for one host, the way ssh(1) reads it: files in order (the user's, then the system's),
 * and inside them the first value obtained for a keyword wins — so specific `Host` blocks go first and
 * `Host *` last. IdentityFile is the exception: every one that applies is kept, in order.
 */

export interface SshConfigValue extends SshConfigAt {
  values: string[];
}

export interface SshConfigResult {
  /** Lower-case keyword → the value that won. */
  values: Map<string, SshConfigValue>;
  identityFiles: SshConfigValue[];
  /** Criteria fleet cannot evaluate (Match exec, canonical), reported instead of silently guessed. */
  skipped: string[];
}

export interface EvalQuery {
  /** The name ssh would be given (`ssh web01`): matched by Host and `Match originalhost`. */
  host: string;
  /** The user set before ssh_config is read (command line, inventory), for `Match user`. */
  user?: string;
  localUser: string;
}

interface State {
  query: EvalQuery;
  result: SshConfigResult;
}

function currentHostName(state: State): string {
  return state.result.values.get('hostname')?.values[0]?.replace(/%h/g, state.query.host) ?? state.query.host;
}

function matchCriteria(node: Extract<SshConfigNode, { kind: 'match' }>, state: State): boolean {
  for (const [rawKey, value] of node.criteria) {
    const negated = rawKey.startsWith('!');
    const key = negated ? rawKey.slice(1) : rawKey;
    let ok: boolean;
    switch (key) {
      case 'all':
        ok = true;
        break;
      case 'final':
        // fleet makes one pass; the final pass of OpenSSH would see these blocks too.
        ok = true;
        break;
      case 'host':
        ok = patternListMatches([value], currentHostName(state));
        break;
      case 'originalhost':
        ok = patternListMatches([value], state.query.host);
        break;
      case 'user':
        ok = patternListMatches([value], state.query.user ?? state.result.values.get('user')?.values[0] ?? state.query.localUser);
        break;
      case 'localuser':
        ok = patternListMatches([value], state.query.localUser);
        break;
      default:
        // exec would run a shell command from the file for every host; canonical needs DNS canonicalisation.
        state.result.skipped.push(`${node.file}:${node.line}: Match ${key} is not supported by fleet; the block is skipped`);
        return false;
    }
    if (ok === negated) return false;
  }
  return true;
}

function walk(nodes: readonly SshConfigNode[], state: State, startActive: boolean): void {
  let active = startActive;
  for (const node of nodes) {
    switch (node.kind) {
      case 'host':
        active = patternListMatches(node.patterns, state.query.host);
        break;
      case 'match':
        active = matchCriteria(node, state);
        break;
      case 'include':
        if (active) walk(node.nodes, state, true);
        break;
      case 'set':
        if (!active) break;
        if (node.key === 'identityfile') state.result.identityFiles.push({ values: node.values, file: node.file, line: node.line });
        else if (!state.result.values.has(node.key)) state.result.values.set(node.key, { values: node.values, file: node.file, line: node.line });
        break;
    }
  }
}

export function evaluateSshConfig(files: readonly SshConfigFile[], query: EvalQuery): SshConfigResult {
  const state: State = { query, result: { values: new Map(), identityFiles: [], skipped: [] } };
  for (const file of files) walk(file.nodes, state, true);
  return state.result;
}
