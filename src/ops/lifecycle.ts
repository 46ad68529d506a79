/**
 * Where the process is in its life. Readiness turns false the moment shutdown starts, so the load
 * balancer stops sending traffic while in-flight requests finish.
 */
export interface Lifecycle {
  readonly startedAt: number;
  draining: boolean;
}

export function createLifecycle(now = Date.now()): Lifecycle {
  return { startedAt: now, draining: false };
}
