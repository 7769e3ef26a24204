import { failed, type Failed } from '../result';

/** Every error code the app answers with, over HTTP and MCP alike. */
export const errorCodes = [
  'empty_prompt',
  'invalid_json',
  'invalid_body',
  'prompt_too_large',
  'unsupported_media_type',
  'unsupported_charset',
  'invalid_encoding',
  'not_running',
  'agent_not_found',
  'unknown_agents',
  'invalid_output_schema',
  'no_moderator',
  'invalid_thread_id',
  'conflicting_thread_ids',
  'invalid_wait',
  'thread_not_found',
  'thread_conflict',
  'thread_busy',
  'agent_failed',
  'conversation_not_found',
  'conversation_not_finished',
  'invalid_instance_id',
  'authentication_required',
  'owners_off',
  'invalid_page',
  'invalid_principal',
  'invalid_last_event_id',
  'instance_not_found',
  'configuration_error',
  'backend_unavailable',
  'internal_error',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

/** A request the app refuses, in terms both the HTTP routes and the MCP tools can report. */
export interface Refusal {
  /** The HTTP status; MCP reports only the code and message. */
  status: number;
  code: ErrorCode;
  message: string;
}

export function refuse(status: number, code: ErrorCode, message: string): Failed<Refusal> {
  return failed({ status, code, message });
}
