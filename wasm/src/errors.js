// Errors thrown by the package: always a RunlogError (an Error) carrying the
// core's status name (err.code, e.g. "RUNLOG_E_STEP_ORDER"), its number
// (err.status) and the core's message, which names the cause and the fix.

export const STATUS = Object.freeze({
  RUNLOG_OK: 0,
  RUNLOG_E_INVALID_ARGUMENT: -1,
  RUNLOG_E_INVALID_JSON: -2,
  RUNLOG_E_NOT_OBJECT: -3,
  RUNLOG_E_INVALID_UTF8: -4,
  RUNLOG_E_RESERVED_KEY: -5,
  RUNLOG_E_TOO_LARGE: -6,
  RUNLOG_E_STEP_ORDER: -7,
  RUNLOG_E_FINISHED: -8,
  RUNLOG_E_IO: -9,
  RUNLOG_E_NO_SPACE: -10,
  RUNLOG_E_PERMISSION: -11,
  RUNLOG_E_TIMEOUT: -12,
  RUNLOG_E_QUEUE_FULL: -13,
  RUNLOG_E_NOT_FOUND: -14,
  RUNLOG_E_EXISTS: -15,
  RUNLOG_E_NOMEM: -16,
  RUNLOG_E_CALLBACK: -17,
  RUNLOG_E_INTERNAL: -18,
  RUNLOG_E_NETWORK: -19,
  RUNLOG_E_REFUSED: -20,
});

export const STATUS_MIN = Math.min(...Object.values(STATUS));

const NAMES = new Map(Object.entries(STATUS).map(([k, v]) => [v, k]));

export function statusName(status) {
  return NAMES.get(status) ?? 'RUNLOG_E_CALLBACK';
}

export class RunlogError extends Error {
  constructor(status, message) {
    const code = statusName(status);
    super(message ? `${code}: ${message}` : code);
    this.name = 'RunlogError';
    this.code = code;
    this.status = NAMES.has(status) ? status : STATUS.RUNLOG_E_CALLBACK;
    this.detail = message || '';
  }
}

/** A store or transport written in JS may throw this to choose the status. */
export class StoreError extends RunlogError {
  constructor(code, message) {
    super(typeof code === 'number' ? code : (STATUS[code] ?? STATUS.RUNLOG_E_IO), message);
    this.name = 'StoreError';
  }
}
