/*
 * seccomp-launcher: install a seccomp filter on itself, then execvp a command.
 *
 *   seccomp-launcher FD NBYTES FLAGS NNP FILE ARGV0 [ARG...]
 *
 * FD      an inherited, bidirectional descriptor (a socketpair end: Node's extra stdio 'pipe').
 *         NBYTES bytes of raw `struct sock_filter` (host byte order) are read from it. It is
 *         made close-on-exec, so it closes when FILE starts running.
 * NBYTES  size of the program in bytes, a positive multiple of 8.
 * FLAGS   SECCOMP_FILTER_FLAG_* bits for seccomp(2) (decimal or 0x hex).
 * NNP     1: set no_new_privs first; 0: do not (the caller must then hold CAP_SYS_ADMIN).
 * FILE    what execvp(3) runs (PATH search when it has no '/'); ARGV0 is its argv[0].
 *
 * On failure one line `STAGE ERRNO\n` is written to FD (the classic close-on-exec pipe: an
 * exec that succeeds closes FD without data), and the process exits with
 *   125  the filter could not be read or installed (also: a one-line message on stderr),
 *   126  FILE could not be executed, 127  FILE was not found (ENOENT / ENOTDIR).
 * STAGE is one of: usage, read, nnp, seccomp, exec.
 *
 * The launcher holds no policy: the caller chose the program and the flags. It is a single
 * threaded process, so TSYNC is not needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_SET_MODE_FILTER
#define SECCOMP_SET_MODE_FILTER 1
#endif
#ifndef SECCOMP_MODE_FILTER
#define SECCOMP_MODE_FILTER 2
#endif
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#endif
#if !defined(SYS_seccomp) && defined(__NR_seccomp)
#define SYS_seccomp __NR_seccomp
#endif

enum { EXIT_CONFINE = 125, EXIT_NOEXEC = 126, EXIT_NOTFOUND = 127 };

/* The kernel caps a filter at BPF_MAXINSNS (4096) instructions. */
#define MAX_PROGRAM_BYTES (4096 * sizeof(struct sock_filter))

static int status_fd = -1;

static void put(int fd, const char *s) {
  size_t len = strlen(s);
  while (len > 0) {
    ssize_t n = write(fd, s, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    s += n;
    len -= (size_t)n;
  }
}

/* Report STAGE/err on the status fd; for confinement failures also one line on stderr. */
static void fail(const char *stage, int err, const char *what, int status) {
  if (status_fd >= 0) {
    char line[64];
    snprintf(line, sizeof line, "%s %d\n", stage, err);
    put(status_fd, line);
  }
  if (status == EXIT_CONFINE) {
    char msg[256];
    snprintf(msg, sizeof msg, "seccomp-launcher: %s: %s; command not run\n", what, strerror(err));
    put(2, msg);
  }
  _exit(status);
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out) {
  char *end;
  if (*s == '\0' || *s == '-') return -1;
  errno = 0;
  unsigned long v = strtoul(s, &end, 0);
  if (errno != 0 || *end != '\0' || v > max) return -1;
  *out = v;
  return 0;
}

int main(int argc, char **argv) {
  unsigned long fd, nbytes, flags, nnp;
  if (argc < 7 || parse_ulong(argv[1], 1023, &fd) != 0) {
    put(2, "usage: seccomp-launcher FD NBYTES FLAGS NNP FILE ARGV0 [ARG...]\n");
    _exit(EXIT_CONFINE);
  }
  status_fd = (int)fd;
  if (fcntl(status_fd, F_SETFD, FD_CLOEXEC) != 0) {
    int err = errno;
    status_fd = -1;
    fail("usage", err, "status descriptor", EXIT_CONFINE);
  }
  if (parse_ulong(argv[2], MAX_PROGRAM_BYTES, &nbytes) != 0 || nbytes == 0 ||
      nbytes % sizeof(struct sock_filter) != 0 || parse_ulong(argv[3], 0xffffffffUL, &flags) != 0 ||
      parse_ulong(argv[4], 1, &nnp) != 0) {
    fail("usage", EINVAL, "bad arguments", EXIT_CONFINE);
  }

  static struct sock_filter filter[4096];
  size_t got = 0;
  while (got < nbytes) {
    ssize_t n = read(status_fd, (char *)filter + got, nbytes - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read", errno, "reading the filter", EXIT_CONFINE);
    }
    if (n == 0) fail("read", EPIPE, "reading the filter (short program)", EXIT_CONFINE);
    got += (size_t)n;
  }
  struct sock_fprog prog = {.len = (unsigned short)(nbytes / sizeof(struct sock_filter)), .filter = filter};

  if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    fail("nnp", errno, "prctl(PR_SET_NO_NEW_PRIVS)", EXIT_CONFINE);
  }
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) != 0) {
    int err = errno;
    if (!(err == ENOSYS && flags == 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
      if (err == ENOSYS && flags == 0) err = errno;
      fail("seccomp", err, "seccomp(SECCOMP_SET_MODE_FILTER)", EXIT_CONFINE);
    }
  }

  /* argv[5] is FILE, argv[6] (ARGV0) onwards is its argument vector. */
  execvp(argv[5], argv + 6);
  int err = errno;
  fail("exec", err, "execvp", (err == ENOENT || err == ENOTDIR) ? EXIT_NOTFOUND : EXIT_NOEXEC);
  return EXIT_NOEXEC;
}
