import type { HostConfig } from './types.js';
import { fail, type Pos, type YamlSource } from './yaml-nodes.js';

/**
 * A jump host may itself be an inventory host with its own jump. A loop would make every connection of those
 * hosts hang until timeout; the classic case is a bastion inheriting `jump: bastion` from the defaults.
 */

/** The inventory name a ProxyJump spec `[user@]host[:port]` points at. */
export function jumpTarget(spec: string): string {
  const hostPort = spec.slice(spec.lastIndexOf('@') + 1);
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']') === -1 ? undefined : hostPort.indexOf(']'));
  const colons = hostPort.split(':').length - 1;
  return colons === 1 ? hostPort.slice(0, hostPort.indexOf(':')) : hostPort;
}

export function checkJumpLoops(hosts: readonly HostConfig[], positionOf: (host: string) => Pos | undefined, src: YamlSource): void {
  const byName = new Map(hosts.map((h) => [h.name, h]));
  for (const start of hosts) {
    const path = [start.name];
    let next = start.jump === undefined ? undefined : byName.get(jumpTarget(start.jump));
    while (next) {
      const seen = path.indexOf(next.name);
      if (seen === 0) {
        const pos = positionOf(start.name) ?? { line: 1, column: 1, offset: 0 };
        const message =
          path.length === 1
            ? `host ${start.name} would jump through itself — set "jump: none" on host ${start.name}`
            : `jump hosts form a loop: ${[...path, start.name].join(' → ')} — set "jump: none" on one of them`;
        fail(src, pos, message, start.name);
      }
      // A loop that does not include `start` is reported when its own first member comes up.
      if (seen > 0) break;
      path.push(next.name);
      next = next.jump === undefined ? undefined : byName.get(jumpTarget(next.jump));
    }
  }
}
