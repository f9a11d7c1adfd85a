/**
 * apimachinery `pkg/util/duration`: the ages kubectl shows. Durations are in milliseconds. Both tolerate
 * clock skew: anything above -2s counts as `0s`, below that the age is `<invalid>`.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * `HumanDuration` (AGE columns): about two significant figures.
 *
 * | age | prints |
 * | --- | --- |
 * | < 2m | seconds: `0s`, `119s` |
 * | < 10m | minutes and seconds: `2m`, `9m59s` |
 * | < 3h | minutes: `10m`, `179m` |
 * | < 8h | hours and minutes: `3h`, `7h59m` |
 * | < 48h | hours: `8h`, `47h` |
 * | < 8d | days and hours: `2d`, `7d23h` |
 * | < 2y | days: `8d`, `729d` (a year is 365 days) |
 * | < 8y | years and days: `2y`, `7y364d` |
 * | ≥ 8y | years: `8y` |
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/**
 * `ShortHumanDuration`: one unit only (`59s`, `59m`, `23h`, `364d`, `1y`). Neither kubectl (1.32 source)
 * nor the API server's printers use it — they use {@link humanDuration} — but controllers and tools built
 * on apimachinery do, so messages copied from them need it.
 */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(ms / HOUR / 24 / 365)}y`;
}
