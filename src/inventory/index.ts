/** The inventory layer's public surface: load, select, expand and fold; internals stay unexported. */
export type { HostConfig, HostKeyPolicy, HostSources, Inventory, InventoryGroup, Secret, SourcedField, SourcePosition, ValueSource } from './types.js';
export { inventoryText, loadInventory, parseIniInventory, parseInventory, parseInventoryText, type LoadOptions } from './load.js';
export { builtinDefaults, type BaseSettings, type DefaultsOptions } from './defaults.js';
export { parseDuration, tryParseDuration } from '../core/duration.js';
export { expandHostRange, foldHosts, hasHostRange } from '../core/host-ranges.js';
export { selectHosts } from './select.js';
export { splitPattern } from './pattern.js';
export { adhocInventory, parseAdhocHosts } from './adhoc.js';
export { resolveInventoryPath, DEFAULT_INVENTORY_FILES, type ResolveOptions } from './resolve.js';
export { resolveHostSecrets, resolveSecret, type HostSecrets, type SecretField, type SecretOptions } from './secrets.js';
export { jumpTarget } from './jump-loops.js';
export { checkTemplate, hostValues, parseTemplate, renderTemplate, templateNames, BUILTIN_NAMES, type TemplatePart } from './template.js';
export { sshConfigFiles, withSshConfig, type SshConfigOptions } from './ssh-config.js';
