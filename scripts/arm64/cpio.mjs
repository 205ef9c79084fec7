// A minimal writer for gzip-compressed cpio archives in the "newc" format, the format
// the Linux kernel unpacks as an initramfs. Written here (rather than driving cpio(1))
// so that archives are reproducible, owned by root, and can contain device nodes
// without running mknod on the host.
//
// Format: each entry is a 110-byte ASCII header ("070701" + 13 eight-digit hex fields),
// the NUL-terminated name padded to a multiple of 4, then the data padded to a
// multiple of 4. The archive ends with an entry named "TRAILER!!!".
import { createWriteStream, readFileSync, lstatSync, readlinkSync } from 'node:fs';
import { once } from 'node:events';
import { createGzip, constants } from 'node:zlib';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const pad4 = (n) => (4 - (n % 4)) % 4;
const hex8 = (n) => (n >>> 0).toString(16).padStart(8, '0');

/**
 * Streaming newc writer to a gzip file. Entry paths are archive paths without a leading
 * slash ("bin/busybox"). Call `close()` once to write the trailer and flush.
 */
export class CpioWriter {
  /**
   * @param {string} file output path
   * @param {{ level?: number, firstInode?: number }} opts gzip level (1 = fast); first inode
   *   number (give concatenated archives disjoint ranges so no entry looks like a hard link)
   */
  constructor(file, { level = 6, firstInode = 1 } = {}) {
    this.gzip = createGzip({ level, strategy: constants.Z_DEFAULT_STRATEGY });
    this.out = createWriteStream(file);
    this.gzip.pipe(this.out);
    this.ino = firstInode;
    this.names = new Set();
    // Fixed mtime: identical inputs give identical archives.
    this.mtime = 0;
  }

  async #write(buf) {
    if (!this.gzip.write(buf)) await once(this.gzip, 'drain');
  }

  async #entry(name, mode, data, rdev = [0, 0]) {
    name = name.replace(/^\/+/, '');
    if (this.names.has(name)) throw new Error(`cpio: duplicate entry ${name}`);
    this.names.add(name);
    const nameBuf = Buffer.from(name + '\0', 'utf8');
    const fields = [
      this.ino++, mode, 0, 0, (mode & 0o170000) === S_IFDIR ? 2 : 1, this.mtime, data.length,
      0, 0, rdev[0], rdev[1], nameBuf.length, 0,
    ];
    const header = Buffer.from('070701' + fields.map(hex8).join(''), 'ascii');
    await this.#write(Buffer.concat([header, nameBuf, Buffer.alloc(pad4(header.length + nameBuf.length))]));
    if (data.length) await this.#write(Buffer.concat([data, Buffer.alloc(pad4(data.length))]));
  }

  /** A directory (parents are not created implicitly). */
  dir(name, perm = 0o755) {
    return this.#entry(name, S_IFDIR | perm, Buffer.alloc(0));
  }

  /** A regular file with the given contents (Buffer or string). */
  file(name, data, perm = 0o644) {
    return this.#entry(name, S_IFREG | perm, Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'));
  }

  /** A regular file copied from the host; permission bits are taken from the source. */
  copy(name, src) {
    const st = lstatSync(src);
    if (st.isSymbolicLink()) return this.symlink(name, readlinkSync(src));
    if (!st.isFile()) throw new Error(`cpio: not a regular file: ${src}`);
    return this.file(name, readFileSync(src), st.mode & 0o777);
  }

  /** A symbolic link. */
  symlink(name, target) {
    return this.#entry(name, S_IFLNK | 0o777, Buffer.from(target, 'utf8'));
  }

  /** A character device node. */
  chardev(name, major, minor, perm = 0o600) {
    return this.#entry(name, S_IFCHR | perm, Buffer.alloc(0), [major, minor]);
  }

  /** Write the trailer and wait until the file is complete. */
  async close() {
    await this.#entry('TRAILER!!!', 0, Buffer.alloc(0));
    this.gzip.end();
    await once(this.out, 'close');
  }
}
