/** The SFTP layer: put/get over a host's existing SSH connection (DESIGN.md §2). */
export { putPath } from './put.js';
export { getPath } from './get.js';
export { DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY, DEFAULT_FILE_CONCURRENCY } from './defaults.js';
export { SftpStatus, sftpStatusName, type SftpStatusName } from './status.js';
export { TEMP_NAME_PATTERN } from './temp-name.js';
export type { GetOptions, PutOptions, TransferOptions, TransferProgress, TransferResult, TransferredFile } from './types.js';
