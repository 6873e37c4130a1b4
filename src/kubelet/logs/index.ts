/**
 * Container logs: the logger that copies containers' output FIFOs into CRI-format files under
 * `rootDir/logs/<ns>_<pod>_<uid>/<container>/<attempt>.log` (rotating at 10 MiB, one old file
 * kept as `<attempt>.log.1`), and the reader behind `kubectl logs`.
 */
export { ContainerLogger, type ContainerLoggerOptions, type ContainerOutputFifos, type LogAttachment } from './container-logger.ts';
export { readLogs, LogNotFoundError, type LogOutput, type ReadLogsOptions } from './read-logs.ts';
export { DEFAULT_MAX_LOG_BYTES, rotatedPath } from './rotating-log-file.ts';
export { formatRecord, parseRecord, type LogRecord, type LogStream } from './cri-log-format.ts';
