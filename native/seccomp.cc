// seccomp-exec native add-on: a thin N-API layer over prctl(2), seccomp(2) and execve(2).
//
// No policy lives here: the JS side decides what to install and with which flags. Every failing
// system call becomes a JS Error carrying `code` (errno name), `errno` (positive errno number),
// `syscall` and, for execve, `path`.
//
// C++ exceptions are disabled (NAPI_DISABLE_CPP_EXCEPTIONS, -fno-exceptions): the code is a handful
// of straight-line functions, every N-API failure is checked explicitly, and execWithFilter must
// never unwind through a half-changed process state. Errors are thrown into JS by hand.

#include <napi.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

// Older kernel headers may lack some of these; the values are kernel ABI.
#ifndef SECCOMP_SET_MODE_FILTER
#define SECCOMP_SET_MODE_FILTER 1
#endif
#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC
#define SECCOMP_FILTER_FLAG_TSYNC (1UL << 0)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_MODE_FILTER
#define SECCOMP_MODE_FILTER 2
#endif
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#endif
#ifndef PR_GET_NO_NEW_PRIVS
#define PR_GET_NO_NEW_PRIVS 39
#endif
#if !defined(SYS_seccomp) && defined(__NR_seccomp)
#define SYS_seccomp __NR_seccomp
#endif

namespace {

// Largest program the kernel's struct sock_fprog can describe (len is an unsigned short).
constexpr size_t kMaxFprogLen = 0xffff;

// ---------------------------------------------------------------------------------------------
// errno names

#define SECCOMP_EXEC_ERRNO_LIST(X)                                                              \
  X(EPERM) X(ENOENT) X(ESRCH) X(EINTR) X(EIO) X(ENXIO) X(E2BIG) X(ENOEXEC) X(EBADF) X(ECHILD) \
  X(EAGAIN) X(ENOMEM) X(EACCES) X(EFAULT) X(ENOTBLK) X(EBUSY) X(EEXIST) X(EXDEV) X(ENODEV)    \
  X(ENOTDIR) X(EISDIR) X(EINVAL) X(ENFILE) X(EMFILE) X(ENOTTY) X(ETXTBSY) X(EFBIG) X(ENOSPC)  \
  X(ESPIPE) X(EROFS) X(EMLINK) X(EPIPE) X(EDOM) X(ERANGE) X(EDEADLK) X(ENAMETOOLONG)          \
  X(ENOLCK) X(ENOSYS) X(ENOTEMPTY) X(ELOOP) X(ENOMSG) X(EIDRM) X(ENOSTR) X(ENODATA) X(ETIME)  \
  X(ENOSR) X(EREMOTE) X(ENOLINK) X(EPROTO) X(EMULTIHOP) X(EBADMSG) X(EOVERFLOW) X(EILSEQ)     \
  X(EUSERS) X(ENOTSOCK) X(EDESTADDRREQ) X(EMSGSIZE) X(EPROTOTYPE) X(ENOPROTOOPT)              \
  X(EPROTONOSUPPORT) X(ESOCKTNOSUPPORT) X(EOPNOTSUPP) X(EPFNOSUPPORT) X(EAFNOSUPPORT)         \
  X(EADDRINUSE) X(EADDRNOTAVAIL) X(ENETDOWN) X(ENETUNREACH) X(ENETRESET) X(ECONNABORTED)      \
  X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN) X(ESHUTDOWN) X(ETOOMANYREFS) X(ETIMEDOUT)   \
  X(ECONNREFUSED) X(EHOSTDOWN) X(EHOSTUNREACH) X(EALREADY) X(EINPROGRESS) X(ESTALE)           \
  X(EDQUOT) X(ECANCELED) X(EOWNERDEAD) X(ENOTRECOVERABLE) X(ENOMEDIUM) X(EMEDIUMTYPE)         \
  X(ENOKEY) X(EKEYEXPIRED) X(EKEYREVOKED) X(EKEYREJECTED) X(ERFKILL) X(EHWPOISON)

std::string ErrnoName(int err) {
  switch (err) {
#define SECCOMP_EXEC_ERRNO_CASE(e) \
  case e:                          \
    return #e;
    SECCOMP_EXEC_ERRNO_LIST(SECCOMP_EXEC_ERRNO_CASE)
#undef SECCOMP_EXEC_ERRNO_CASE
    default:
      return "E" + std::to_string(err);
  }
}

// ---------------------------------------------------------------------------------------------
// errors

// Throws `<what> failed: ENAME (description)` with code/errno/syscall (and path) set.
void ThrowErrno(Napi::Env env, int err, const char* syscall_name, const std::string& what,
                const std::string* path = nullptr) {
  const std::string name = ErrnoName(err);
  const std::string message = what + " failed: " + name + " (" + std::strerror(err) + ")";
  Napi::Error error = Napi::Error::New(env, message);
  Napi::Object obj = error.Value();
  obj.Set("code", Napi::String::New(env, name));
  obj.Set("errno", Napi::Number::New(env, err));
  obj.Set("syscall", Napi::String::New(env, syscall_name));
  if (path != nullptr) obj.Set("path", Napi::String::New(env, *path));
  error.ThrowAsJavaScriptException();
}

void ThrowType(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, "seccomp-exec native: " + message).ThrowAsJavaScriptException();
}

void ThrowRange(Napi::Env env, const std::string& message) {
  Napi::RangeError::New(env, "seccomp-exec native: " + message).ThrowAsJavaScriptException();
}

// ---------------------------------------------------------------------------------------------
// argument parsing (each returns false after throwing)

bool ArgCount(const Napi::CallbackInfo& info, size_t n, const char* fn) {
  if (info.Length() < n) {
    ThrowType(info.Env(), std::string(fn) + "() expects " + std::to_string(n) + " argument(s), got " +
                              std::to_string(info.Length()));
    return false;
  }
  return true;
}

bool GetUint32(const Napi::CallbackInfo& info, size_t i, const char* name, uint32_t* out) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) {
    ThrowType(info.Env(), std::string("argument '") + name + "' must be a number");
    return false;
  }
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 4294967295.0) || d != static_cast<double>(static_cast<uint64_t>(d))) {
    ThrowRange(info.Env(), std::string("argument '") + name +
                               "' must be an integer between 0 and 4294967295, got " +
                               v.ToString().Utf8Value());
    return false;
  }
  *out = static_cast<uint32_t>(d);
  return true;
}

bool GetBool(const Napi::CallbackInfo& info, size_t i, const char* name, bool* out) {
  Napi::Value v = info[i];
  if (!v.IsBoolean()) {
    ThrowType(info.Env(), std::string("argument '") + name + "' must be a boolean");
    return false;
  }
  *out = v.As<Napi::Boolean>().Value();
  return true;
}

// A string without NUL bytes (execve cannot pass them).
bool ToCString(Napi::Env env, Napi::Value v, const std::string& name, std::string* out) {
  if (!v.IsString()) {
    ThrowType(env, name + " must be a string");
    return false;
  }
  *out = v.As<Napi::String>().Utf8Value();
  if (out->find('\0') != std::string::npos) {
    ThrowType(env, name + " must not contain NUL bytes");
    return false;
  }
  return true;
}

bool GetStringArray(const Napi::CallbackInfo& info, size_t i, const char* name,
                    std::vector<std::string>* out) {
  Napi::Value v = info[i];
  if (!v.IsArray()) {
    ThrowType(info.Env(), std::string("argument '") + name + "' must be an array of strings");
    return false;
  }
  Napi::Array arr = v.As<Napi::Array>();
  const uint32_t n = arr.Length();
  out->reserve(n);
  for (uint32_t k = 0; k < n; k++) {
    Napi::Value item = arr.Get(k);
    if (info.Env().IsExceptionPending()) return false;
    std::string s;
    if (!ToCString(info.Env(), item, std::string(name) + "[" + std::to_string(k) + "]", &s)) return false;
    out->push_back(std::move(s));
  }
  return true;
}

// Copies a raw `struct sock_filter` array (8 bytes per instruction, host byte order) out of a
// Uint8Array/Buffer into properly aligned storage.
bool GetProgram(const Napi::CallbackInfo& info, size_t i, std::vector<sock_filter>* out) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowType(info.Env(), "argument 'program' must be a Buffer holding a raw sock_filter array");
    return false;
  }
  Napi::Uint8Array bytes = v.As<Napi::Uint8Array>();
  const size_t len = bytes.ByteLength();
  if (len % sizeof(sock_filter) != 0) {
    ThrowRange(info.Env(), "argument 'program' has " + std::to_string(len) +
                               " bytes, not a multiple of " + std::to_string(sizeof(sock_filter)) +
                               " (sizeof struct sock_filter)");
    return false;
  }
  const size_t count = len / sizeof(sock_filter);
  if (count > kMaxFprogLen) {
    ThrowRange(info.Env(), "argument 'program' has " + std::to_string(count) +
                               " instructions, more than struct sock_fprog can describe");
    return false;
  }
  out->resize(count);
  if (count > 0) std::memcpy(out->data(), bytes.Data(), len);
  return true;
}

// ---------------------------------------------------------------------------------------------
// the filter installer shared by seccompSetModeFilter and execWithFilter

// Installs `filter` with `flags`. On success stores seccomp(2)'s result (the listener fd with
// NEW_LISTENER, else 0) and returns true; on failure throws into JS and returns false.
bool InstallFilter(Napi::Env env, std::vector<sock_filter>& filter, uint32_t flags, long* result) {
  struct sock_fprog prog;
  prog.len = static_cast<unsigned short>(filter.size());
  prog.filter = filter.empty() ? nullptr : filter.data();

  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, static_cast<unsigned long>(flags), &prog);
  if (rc < 0) {
    const int err = errno;
    if (err == ENOSYS && flags == 0) {
      // Kernels before 3.17 have no seccomp(2); the prctl interface takes the same program.
      if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
        ThrowErrno(env, errno, "prctl", "prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)");
        return false;
      }
      *result = 0;
      return true;
    }
    ThrowErrno(env, err, "seccomp", "seccomp(SECCOMP_SET_MODE_FILTER)");
    return false;
  }
  if ((flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0) {
    *result = rc;  // the listener fd (TSYNC then requires TSYNC_ESRCH, so rc cannot be a tid)
    return true;
  }
  if ((flags & SECCOMP_FILTER_FLAG_TSYNC) != 0 && rc > 0) {
    // TSYNC without TSYNC_ESRCH: a positive result is the id of a thread that could not be
    // synchronised; no filter was installed. Reported as ESRCH, what TSYNC_ESRCH would return.
    const std::string message = "seccomp(SECCOMP_SET_MODE_FILTER): TSYNC failed: thread " +
                                std::to_string(rc) + " cannot be synchronised";
    Napi::Error error = Napi::Error::New(env, message);
    Napi::Object obj = error.Value();
    obj.Set("code", Napi::String::New(env, "ESRCH"));
    obj.Set("errno", Napi::Number::New(env, ESRCH));
    obj.Set("syscall", Napi::String::New(env, "seccomp"));
    obj.Set("threadId", Napi::Number::New(env, static_cast<double>(rc)));
    error.ThrowAsJavaScriptException();
    return false;
  }
  *result = 0;
  return true;
}

// ---------------------------------------------------------------------------------------------
// exported functions

// setNoNewPrivs(): undefined
Napi::Value SetNoNewPrivs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    ThrowErrno(env, errno, "prctl", "prctl(PR_SET_NO_NEW_PRIVS)");
  }
  return env.Undefined();
}

// getNoNewPrivs(): boolean
Napi::Value GetNoNewPrivs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int rc = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  if (rc < 0) {
    ThrowErrno(env, errno, "prctl", "prctl(PR_GET_NO_NEW_PRIVS)");
    return env.Undefined();
  }
  return Napi::Boolean::New(env, rc == 1);
}

// getSeccompMode(): number (0 disabled, 2 filter; a strict-mode caller is killed by the kernel)
Napi::Value GetSeccompMode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int rc = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
  if (rc < 0) {
    ThrowErrno(env, errno, "prctl", "prctl(PR_GET_SECCOMP)");
    return env.Undefined();
  }
  return Napi::Number::New(env, rc);
}

// getActionAvail(action: number): boolean
Napi::Value GetActionAvail(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t action = 0;
  if (!ArgCount(info, 1, "getActionAvail") || !GetUint32(info, 0, "action", &action)) {
    return env.Undefined();
  }
  if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0UL, &action) == 0) {
    return Napi::Boolean::New(env, true);
  }
  const int err = errno;
  if (err == EOPNOTSUPP) return Napi::Boolean::New(env, false);
  ThrowErrno(env, err, "seccomp", "seccomp(SECCOMP_GET_ACTION_AVAIL)");
  return env.Undefined();
}

// seccompSetModeFilter(program: Buffer, flags: number): number
Napi::Value SeccompSetModeFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<sock_filter> filter;
  uint32_t flags = 0;
  if (!ArgCount(info, 2, "seccompSetModeFilter") || !GetProgram(info, 0, &filter) ||
      !GetUint32(info, 1, "flags", &flags)) {
    return env.Undefined();
  }
  long result = 0;
  if (!InstallFilter(env, filter, flags, &result)) return env.Undefined();
  return Napi::Number::New(env, static_cast<double>(result));
}

// State execWithFilter changes just before execve and puts back if execve fails.
struct ExecState {
  struct sigaction pipe_action;
  struct sigaction xfsz_action;
  sigset_t mask;
  int stdio_flags[3];
  int stdio_fd_flags[3];
};

// Node ignores SIGPIPE and SIGXFSZ (ignored dispositions survive execve), may leave signals
// blocked, marks fds 0-2 close-on-exec and may have set O_NONBLOCK on the stdio file
// descriptions. A program started by a shell expects none of that: it must inherit stdio.
void PrepareForExec(ExecState* saved) {
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(SIGPIPE, &dfl, &saved->pipe_action);
  sigaction(SIGXFSZ, &dfl, &saved->xfsz_action);
  sigset_t empty;
  sigemptyset(&empty);
  pthread_sigmask(SIG_SETMASK, &empty, &saved->mask);
  for (int fd = 0; fd < 3; fd++) {
    saved->stdio_flags[fd] = fcntl(fd, F_GETFL);
    if (saved->stdio_flags[fd] >= 0 && (saved->stdio_flags[fd] & O_NONBLOCK) != 0) {
      fcntl(fd, F_SETFL, saved->stdio_flags[fd] & ~O_NONBLOCK);
    }
    saved->stdio_fd_flags[fd] = fcntl(fd, F_GETFD);
    if (saved->stdio_fd_flags[fd] >= 0 && (saved->stdio_fd_flags[fd] & FD_CLOEXEC) != 0) {
      fcntl(fd, F_SETFD, saved->stdio_fd_flags[fd] & ~FD_CLOEXEC);
    }
  }
}

void RestoreAfterFailedExec(const ExecState& saved) {
  for (int fd = 0; fd < 3; fd++) {
    if (saved.stdio_flags[fd] >= 0) fcntl(fd, F_SETFL, saved.stdio_flags[fd]);
    if (saved.stdio_fd_flags[fd] >= 0) fcntl(fd, F_SETFD, saved.stdio_fd_flags[fd]);
  }
  pthread_sigmask(SIG_SETMASK, &saved.mask, nullptr);
  sigaction(SIGPIPE, &saved.pipe_action, nullptr);
  sigaction(SIGXFSZ, &saved.xfsz_action, nullptr);
}

// execWithFilter(program: Buffer | null, flags: number, setNoNewPrivs: boolean, file: string,
//                argv: string[], envp: string[]): never
// Optionally sets no_new_privs, installs the filter (skipped when program is null), then execve.
// Returns only by throwing.
Napi::Value ExecWithFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ArgCount(info, 6, "execWithFilter")) return env.Undefined();

  const bool has_program = !info[0].IsNull();
  std::vector<sock_filter> filter;
  uint32_t flags = 0;
  bool nnp = false;
  std::string file;
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  if ((has_program && !GetProgram(info, 0, &filter)) || !GetUint32(info, 1, "flags", &flags) ||
      !GetBool(info, 2, "setNoNewPrivs", &nnp) ||
      !ToCString(env, info[3], "argument 'file'", &file) ||
      !GetStringArray(info, 4, "argv", &argv) || !GetStringArray(info, 5, "envp", &envp)) {
    return env.Undefined();
  }
  if (file.empty()) {
    ThrowType(env, "argument 'file' must not be empty");
    return env.Undefined();
  }
  if ((flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0) {
    // The listener fd would land in the program that the filter suspends: it would wait forever.
    ThrowRange(env, "execWithFilter cannot use SECCOMP_FILTER_FLAG_NEW_LISTENER");
    return env.Undefined();
  }

  // Build every pointer array before touching process state.
  std::vector<char*> argv_ptrs;
  argv_ptrs.reserve(argv.size() + 1);
  for (std::string& s : argv) argv_ptrs.push_back(&s[0]);
  argv_ptrs.push_back(nullptr);
  std::vector<char*> envp_ptrs;
  envp_ptrs.reserve(envp.size() + 1);
  for (std::string& s : envp) envp_ptrs.push_back(&s[0]);
  envp_ptrs.push_back(nullptr);

  if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    ThrowErrno(env, errno, "prctl", "prctl(PR_SET_NO_NEW_PRIVS)");
    return env.Undefined();
  }
  if (has_program) {
    long result = 0;
    if (!InstallFilter(env, filter, flags, &result)) return env.Undefined();
  }

  ExecState saved;
  PrepareForExec(&saved);
  execve(file.c_str(), argv_ptrs.data(), envp_ptrs.data());
  const int err = errno;
  RestoreAfterFailedExec(saved);
  ThrowErrno(env, err, "execve", "execve(" + file + ")", &file);
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setNoNewPrivs", Napi::Function::New(env, SetNoNewPrivs, "setNoNewPrivs"));
  exports.Set("getNoNewPrivs", Napi::Function::New(env, GetNoNewPrivs, "getNoNewPrivs"));
  exports.Set("getSeccompMode", Napi::Function::New(env, GetSeccompMode, "getSeccompMode"));
  exports.Set("getActionAvail", Napi::Function::New(env, GetActionAvail, "getActionAvail"));
  exports.Set("seccompSetModeFilter",
              Napi::Function::New(env, SeccompSetModeFilter, "seccompSetModeFilter"));
  exports.Set("execWithFilter", Napi::Function::New(env, ExecWithFilter, "execWithFilter"));
  return exports;
}

}  // namespace

NODE_API_MODULE(seccomp_exec, Init)
