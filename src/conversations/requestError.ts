import type { HttpErrorCode } from '../http/errorResponse';

/** A request the app refuses, in terms both the HTTP routes and the MCP tools can report. */
export interface RequestError {
  ok: false;
  status: number;
  code: HttpErrorCode;
  message: string;
}

export function requestError(status: number, code: HttpErrorCode, message: string): RequestError {
  return { ok: false, status, code, message };
}
