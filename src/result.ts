/**
 * The one shape of an outcome that can fail, used across the app: a success carries its fields beside
 * `ok: true`, a failure carries its `error`. Tell them apart with `result.ok` and nothing else. The thread
 * entity's replies have this shape too and are recorded in history, so the shape itself must not change.
 */
export type Ok<T extends object> = { ok: true } & T;
export interface Failed<E> {
  ok: false;
  error: E;
}
export type Result<T extends object, E> = Ok<T> | Failed<E>;

export function ok<T extends object>(value: T): Ok<T> {
  return { ok: true, ...value };
}

export function failed<E>(error: E): Failed<E> {
  return { ok: false, error };
}
