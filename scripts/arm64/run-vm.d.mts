/** Console lines of one guest run, as parsed by {@link parseConsole}. */
export interface ParsedConsole {
  boot: { kernel: string; machine: string; uptime: string } | null;
  info: Record<string, unknown> | null;
  results: { name: string; expected: string; got?: string; skip?: string; ms?: number; detail?: string }[];
  done: number | null;
  exit: number | null;
  /** "@@" lines whose JSON did not parse. */
  bad: string[];
}
/** Parse a serial-console transcript ("@@BOOT/INFO/RESULT/DONE/EXIT" lines). */
export declare function parseConsole(output: string): ParsedConsole;
/** "kernel": OK or an errno other than EPERM/ENOSYS; "all:X": every NAME=RESULT pair matches X; else equality. */
export declare function matches(expected: string, got: string): boolean;
/** Path of test/arm64/scenarios.json. */
export declare const SCENARIOS: string;
