// Globals the end-to-end tests install in every page (e2e.js).

interface Window {
  __e2e: {
    describe(v: unknown): unknown;
    until<T>(fn: () => T | Promise<T>, ms?: number): Promise<T>;
    pixel(nodeId: string, x: number, y: number): number[] | null;
    center(sel: string): { x: number; y: number; w: number; h: number; left: number; top: number } | null;
  };
}
