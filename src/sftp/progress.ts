import type { TransferProgress } from './types.js';

/**
 * Adds up per-file progress into whole-call totals, so one callback can drive both a per-file display and
 * one bar per host. Files running in parallel report independently; each one's latest count is kept.
 */
export function progressTracker(
  host: string,
  bytesTotal: number,
  onProgress: ((progress: TransferProgress) => void) | undefined,
): (path: string, bytesDone: number, fileTotal: number) => void {
  const perFile = new Map<string, number>();
  let totalDone = 0;
  return (path, bytesDone, fileTotal) => {
    const before = perFile.get(path);
    // Once per step forward; a file's closing report (or an empty file's only one) repeats nothing.
    if (before !== undefined && bytesDone <= before) return;
    perFile.set(path, bytesDone);
    totalDone += bytesDone - (before ?? 0);
    onProgress?.({ host, path, bytesDone, bytesTotal: fileTotal, totalBytesDone: totalDone, totalBytesTotal: bytesTotal });
  };
}
