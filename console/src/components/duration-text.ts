/**
 * A span of time in words, to the minute (to the hour past two hours, to the day past two days).
 * @example durationText(30_000) // 'under a minute'
 * @example durationText(3 * 3600_000) // '3 hours'
 */
export function durationText(ms: number): string {
  if (ms < 60_000) return 'under a minute';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} hours` : `${Math.round(hours / 24)} days`;
}
