/**
 * SFTP status codes (draft-ietf-secsh-filexfer-02 §7, the version OpenSSH speaks). ssh2 exposes them only
 * behind its CommonJS `utils` object; a plain table keeps this layer free of runtime imports for constants.
 */
export const SftpStatus = {
  OK: 0,
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;

export type SftpStatusName = keyof typeof SftpStatus;

/** The status name for a code, e.g. 3 → PERMISSION_DENIED; undefined for anything else. */
export function sftpStatusName(code: unknown): SftpStatusName | undefined {
  if (typeof code !== 'number') return undefined;
  for (const [name, value] of Object.entries(SftpStatus)) if (value === code) return name as SftpStatusName;
  return undefined;
}
