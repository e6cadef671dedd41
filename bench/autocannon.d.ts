/**
 * The part of autocannon's API the benchmarks use (autocannon ships no types,
 * and @types/autocannon is one more package for six fields).
 */
declare module 'autocannon' {
  namespace autocannon {
    interface Request { method?: string; path?: string; headers?: Record<string, string>; body?: string }
    /** One request of the sequence; `setupRequest` runs before each send (a per-request body goes here, not in the top-level options). */
    interface RequestSpec extends Request { setupRequest?: (request: Request) => Request }
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      overallRate?: number;
      requests?: RequestSpec[];
    }
    interface Stats { average: number; total: number; p50: number; p99: number }
    interface Result { requests: Stats; latency: Stats; non2xx: number; errors: number; timeouts: number }
  }
  function autocannon(options: autocannon.Options, done: (err: Error | null, result: autocannon.Result) => void): unknown;
  export default autocannon;
}
