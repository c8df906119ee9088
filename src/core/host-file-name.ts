/**
 * A host name as one file name inside a directory fleet writes per host (`--out-dir DIR/<host>.out`,
 * `get` → `DIR/<host>/`): host names come from inventories, so `../../x` must not leave DIR. `/` and NUL
 * cannot be in a file name and become `_`; `.`, `..` and '' would name the directory itself or its parent
 * and become underscores. Everything else (`h:2222`, `[::1]:22`) is kept, so the file is recognisable.
 */
export function fileNameOf(host: string): string {
  const name = host.replace(/[/\0]/g, '_');
  return name === '' || name === '.' || name === '..' ? '_'.repeat(Math.max(1, name.length)) : name;
}
