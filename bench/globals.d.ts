// Globals of the benchmark pages (bench/*.html set them; bench/main.go reads them).

interface Settle {
  resolve(value: unknown): void;
  reject(reason: Error): void;
}

interface Window {
  /** Settles window.coldDone, which bench/main.go awaits (cold.html). */
  coldSettle: Settle;
  coldDone: Promise<unknown>;
  /** Settles window.probeDone (probe.html). */
  probeSettle: Settle;
  probeDone: Promise<unknown>;
  /** Runs count operations of one kind, for a CPU profile taken around it. */
  probeProfile(kind: string, count: number): Promise<number>;
}
