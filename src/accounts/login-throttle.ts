/**
 * Failed console logins per client address in a sliding window (in memory, per process): past the limit,
 * logins from that address are refused for a while whatever the account. Per-account lockout is separate
 * and durable (members.failed_logins / locked_until).
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 20,
    private readonly windowMs = 10 * 60_000,
  ) {}

  /** Seconds until this address may try again, or 0. */
  retryAfterSeconds(ip: string, now = Date.now()): number {
    const recent = (this.failures.get(ip) ?? []).filter((t) => t > now - this.windowMs);
    this.failures.set(ip, recent);
    if (recent.length < this.limit) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000));
  }

  fail(ip: string, now = Date.now()): void {
    const list = this.failures.get(ip) ?? [];
    list.push(now);
    if (this.failures.size > 10_000) this.failures.clear();
    this.failures.set(ip, list);
  }
}
