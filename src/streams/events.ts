/**
 * The vocabulary of a run's event stream (Server-Sent Events): what a client sees while a panel or one agent's
 * turn runs. Agents are named as the status names them (Physicist), attempts count from 1.
 */
export type AgentState = 'waiting' | 'answering' | 'calling_tool' | 'retrying' | 'answered' | 'failed';

export interface ProgressData {
  agent: string;
  state: AgentState;
  attempt: number;
  maxAttempts?: number;
  /** When the next attempt starts (retrying). */
  nextAttemptAt?: string;
  /** The tool being called (calling_tool). */
  tool?: string;
  /** Why the last attempt failed (retrying, failed). */
  code?: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export interface AnswerData {
  agent: string;
  answer: string;
  attempts: number;
  truncated?: boolean;
  threadId?: string;
  usage?: Usage;
  /** An agent that called tools: how many calls, and which tools (its attempts count its model calls). */
  toolCalls?: number;
  tools?: string[];
}

export interface DoneData {
  runtimeStatus: string;
  summary?: string;
  answered: string[];
  failed: { agent: string; code: string }[];
  usage?: Usage;
}

export type StreamEvent =
  | { event: 'progress'; data: ProgressData }
  | { event: 'delta'; data: { agent: string; attempt: number; text: string } }
  /** An attempt failed: drop the text that agent showed for it. */
  | { event: 'reset'; data: { agent: string; attempt: number } }
  | { event: 'answer'; data: AnswerData }
  | { event: 'synthesis'; data: { text: string } }
  | { event: 'done'; data: DoneData };

export type StreamEventName = StreamEvent['event'];
