/** Faults and latency tests inject into the durable backend stand-in's activity executions. */

export interface ActivityFault {
  /** Fail this many matching executions, then let them through; `Infinity` = always. Default 0. */
  failTimes?: number;
  /** Error message (or Error) the activity "throws". */
  error?: string | Error;
  /** Virtual latency added to every matching execution. */
  delayMs?: number;
  /** Only executions whose (deserialized) input passes this are affected. */
  predicate?: (input: unknown) => boolean;
}

interface FaultRule extends ActivityFault {
  failuresLeft: number;
}

export class FaultInjector {
  readonly #rules = new Map<string, FaultRule[]>();

  /** Adds a fault rule for activity `name`. Rules are checked in the order added. */
  activity(name: string, fault: ActivityFault): this {
    const list = this.#rules.get(name) ?? [];
    list.push({ ...fault, failuresLeft: fault.failTimes ?? 0 });
    this.#rules.set(name, list);
    return this;
  }

  clear(): void {
    this.#rules.clear();
  }

  /** @internal */
  evaluate(name: string, input: unknown): { delayMs: number; fail?: Error } {
    let delayMs = 0;
    let fail: Error | undefined;
    for (const rule of this.#rules.get(name) ?? []) {
      if (rule.predicate && !rule.predicate(input)) continue;
      delayMs += rule.delayMs ?? 0;
      if (!fail && rule.failuresLeft > 0) {
        rule.failuresLeft--;
        fail =
          rule.error instanceof Error ? rule.error : new Error(rule.error ?? `Injected fault in ${name}`);
      }
    }
    return fail ? { delayMs, fail } : { delayMs };
  }
}
