/**
 * Wall-clock milliseconds with sub-millisecond resolution (`performance.timeOrigin` is the process start
 * read from the system clock). Unlike `performance.now()` alone, values are comparable between processes on
 * one machine; the controller benchmark still measures the offset between its processes and corrects it.
 */
export const wallNow = (): number => performance.timeOrigin + performance.now();
