/** Streaming writer of gzip-compressed newc cpio archives (see cpio.mjs). */
export declare class CpioWriter {
  constructor(file: string, opts?: { level?: number; firstInode?: number });
  /** A directory. */
  dir(name: string, perm?: number): Promise<void>;
  /** A regular file with the given contents. */
  file(name: string, data: Buffer | string, perm?: number): Promise<void>;
  /** A regular file copied from the host (symlinks are kept as symlinks). */
  copy(name: string, src: string): Promise<void>;
  /** A symbolic link. */
  symlink(name: string, target: string): Promise<void>;
  /** A character device node. */
  chardev(name: string, major: number, minor: number, perm?: number): Promise<void>;
  /** Write the trailer and wait until the file is complete. */
  close(): Promise<void>;
}
