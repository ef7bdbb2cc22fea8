/**
 * `datetime-local` value of a date, in the browser's time zone.
 * @example localInput(new Date(2026, 2, 2, 18, 0)) // '2026-03-02T18:00'
 */
export function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
