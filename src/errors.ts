/** Error types of seccomp-exec. */

/** A user-facing error: its message is one line naming the problem (file, field, syscall, value). */
export class SeccompError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeccompError';
  }
}
