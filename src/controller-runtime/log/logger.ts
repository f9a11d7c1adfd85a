import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function levelFromEnv(): LogLevel {
  const wanted = process.env.CAPI_LOG_LEVEL?.toLowerCase();
  return LEVELS.includes(wanted as LogLevel) ? (wanted as LogLevel) : 'info';
}

export interface CreateLoggerOptions {
  /** Defaults to `$CAPI_LOG_LEVEL`, else `info`. */
  level?: LogLevel;
  /** Where JSON lines go; defaults to stderr so stdout stays free for command output. */
  destination?: NodeJS.WritableStream;
  base?: Record<string, unknown>;
}

/**
 * A structured JSON logger. Controllers derive child loggers with the keys the architecture names
 * (`controller`, `kind`, `namespace`, `name`, `reconcileID`), so every line of one reconcile can be grepped.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? levelFromEnv(),
    base: options.base ?? null,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return pino(pinoOptions, options.destination ?? pino.destination({ fd: 2, sync: false }));
}

let rootLogger: Logger | undefined;

/** The process-wide logger, created on first use. */
export function defaultLogger(): Logger {
  rootLogger ??= createLogger();
  return rootLogger;
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
