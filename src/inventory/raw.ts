import type { Layer } from './settings.js';
import type { Pos } from './yaml-nodes.js';

/**
 * What a format reader hands to the builder: every occurrence as written, with positions, before precedence,
 * membership and cross-references are worked out. Both the fleet format and the Ansible importer produce it,
 * so the two formats cannot drift apart in how they resolve.
 */

export interface RawHost {
  /** One name: ranges are already expanded. */
  name: string;
  pos: Pos;
  settings: Layer;
}

export interface RawGroupRef {
  name: string;
  pos: Pos;
}

export interface RawGroup {
  name: string;
  pos: Pos;
  vars: Layer;
  hosts: RawHost[];
  children: RawGroupRef[];
}

export interface RawInventory {
  defaults: Layer;
  /** Hosts in no group. */
  hosts: RawHost[];
  groups: RawGroup[];
  /** fleet's format only: `sshConfig:` resolved to an absolute path, or false. */
  sshConfig?: string | false;
  /** fleet's format only: `persist:` in ms, 0 for off. */
  persist?: number;
}
