# Native add-on for seccomp-exec: a thin N-API layer over prctl(2), seccomp(2) and execve(2).
# Linux only: on every other OS the target is empty (type "none") and nothing is compiled;
# the JS side then reports that applying filters needs Linux.
{
  "targets": [
    {
      "target_name": "seccomp_exec",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["native/seccomp.cc"],
          "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
          "defines": [
            "NAPI_VERSION=8",
            "NAPI_DISABLE_CPP_EXCEPTIONS",
            "NODE_ADDON_API_DISABLE_DEPRECATED"
          ],
          "cflags": ["-Wall", "-Wextra", "-fvisibility=hidden"],
          "cflags_cc": ["-Wall", "-Wextra", "-Werror", "-fno-exceptions"]
        }, {
          "type": "none"
        }]
      ]
    },
    {
      # The launcher of spawn(): reads a raw filter from an inherited fd, installs it, execvp's
      # the command (native/launcher.c). Freestanding C (no libc, no Node headers), static.
      "target_name": "seccomp-launcher",
      "conditions": [
        ["OS=='linux'", {
          "type": "executable",
          "sources": ["native/launcher.c"],
          "cflags": [
            "-Wall", "-Wextra", "-Werror", "-O2", "-ffreestanding", "-fno-builtin",
            "-fno-stack-protector"
          ],
          "ldflags": ["-nostdlib", "-static"]
        }, {
          "type": "none"
        }]
      ]
    }
  ]
}
