/**
 * What to do with a host key (DESIGN.md §3): `strict` accepts only keys already in known_hosts, `accept-new`
 * (paramiko's AutoAddPolicy) records a host's first key and refuses a changed one, `off` checks nothing.
 * Here because the inventory writes it and ssh/ enforces it, and neither imports the other.
 */
export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';
