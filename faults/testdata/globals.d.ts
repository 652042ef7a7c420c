// Globals of the fault tests' page (faults.js sets window.faults; faults/*_test.go calls it).

interface Window {
  faults: Record<string, any>;
}
