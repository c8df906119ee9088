/**
 * Human durations for the summary and the progress line. Precision falls as the number grows: two decimals
 * only matter for short runs, and past a minute seconds are enough.
 */

function clamp(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** `1m 05s`, or `1h 02m 03s` past an hour, from whole seconds. */
function minutes(totalSeconds: number): string {
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = String(totalSeconds % 60).padStart(2, '0');
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m ${s}s` : `${m}m ${s}s`;
}

/**
 * The summary's form: `1.21 s` under 10 s, `12.3 s` under a minute, then `1m 05s`. The thresholds are
 * checked after rounding, so 9.996 s reads `10.0 s` rather than `10.00 s`, and 59.96 s reads `1m 00s`.
 */
export function formatDuration(ms: number): string {
  const v = clamp(ms);
  if (v < 9_995) return `${(v / 1000).toFixed(2)} s`;
  if (v < 59_950) return `${(v / 1000).toFixed(1)} s`;
  return minutes(Math.round(v / 1000));
}

/** The progress line's form: one decimal under a minute (it redraws often; two would flicker), then `1m 05s`. */
export function formatElapsed(ms: number): string {
  const v = clamp(ms);
  if (v < 59_950) return `${(v / 1000).toFixed(1)} s`;
  return minutes(Math.round(v / 1000));
}
