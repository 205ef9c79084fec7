#!/usr/bin/env bash
# Run seccomp-exec's real-kernel tests inside Docker containers.
#
#   docker/test.sh [--own-daemon | --existing-daemon] [--base IMAGE | --local-base]
#                  [--offline | --online] [--storage-driver overlay2|vfs] [--keep-image]
#
# 1. Docker: the daemon of the current Docker environment when one answers; otherwise (or with
#    --own-daemon) the script starts its own `dockerd` from Debian's docker.io package, as root,
#    with everything under one temporary directory (data root, exec root, socket, pid file,
#    config), no bridge, no iptables, no IP forwarding, and stops it by its PID at the end,
#    leaving the host as found. Storage: overlay2 when the kernel has overlayfs and the work
#    directory's file system carries it (ext4, xfs, btrfs), else vfs. vfs works everywhere but
#    copies the whole file system for every build step and container: measured on a 2-core
#    machine, the build takes 1.5 to 6 minutes with vfs against about 15 s with overlay2.
# 2. Base image: --base IMAGE, else node:20-bookworm-slim with an existing daemon (if it has it
#    or can pull it); with its own daemon, with --local-base, or when the pull fails, a local
#    one, since no registry may be reachable: a debootstrap rootfs with this machine's Node
#    (docker/make-base.sh, cached in .cache/docker/ or $SECCOMP_EXEC_DOCKER_CACHE), `docker
#    import`ed and passed as the build argument BASE.
# 3. Build docker/Dockerfile from a staged copy of the package (npm ci, npm run build, the
#    probe); with its own daemon the build uses the host's network. When the host's npm does
#    not reach the registry, when that build's npm ci fails, or with --offline, the host's
#    node_modules (installed from the same lockfile) is staged instead and only the add-on is
#    built in the image. The host's NODE_EXTRA_CA_CERTS (else npm's cafile), if set, is
#    trusted by that npm ci.
# 4. For the Docker host's own platform (linux/amd64 or linux/arm64), one container with
#    `--network none --security-opt seccomp=unconfined --cap-add SYS_ADMIN --cap-add SYS_BOOT`
#    (plus apparmor=unconfined and DAC_READ_SEARCH, which test/kernel.test.ts needs). In it:
#    a. the baseline: no seccomp filter on the container, and every probe reaches the kernel
#       (otherwise Docker itself would answer EPERM and nothing would be proved): if this
#       fails, nothing else is run. A control container with Docker's defaults shows those
#       probes already denied there;
#    b. `seccomp-exec -- probe --all` under runtime/default, with --cap-add CAP_SYS_ADMIN and
#       CAP_SYS_BOOT, and Node itself under the filter;
#    c. the whole of test/kernel.test.ts with vitest (every test must run and pass).
#    The other platform would only run under qemu-user (binfmt) here, which answers seccomp()
#    with ENOSYS: it is reported as skipped with a pointer to the arm64 VM test.
#
# Output: one line per check, `docker-test: PLATFORM GROUP ok|FAIL|skip NAME[: MESSAGE]`, and
# a closing `docker-test: N passed, N failed, N skipped`. With DOCKER_TEST_RESULTS=FILE the
# same results are appended to FILE as JSON lines. Exit status 0 only when nothing failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

daemon_mode=auto   # auto | own | existing
base=""
local_base=auto
npm_mode=auto      # auto | ci | offline
storage=auto
keep_image=0
while [ $# -gt 0 ]; do
  case "$1" in
    --own-daemon) daemon_mode=own ;;
    --existing-daemon) daemon_mode=existing ;;
    --base) base="${2:?--base needs an image}"; shift ;;
    --local-base) local_base=1 ;;
    --offline) npm_mode=offline ;;
    --online) npm_mode=ci ;;
    --storage-driver) storage="${2:?--storage-driver needs a name}"; shift ;;
    --keep-image) keep_image=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "docker/test.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

work="$(mktemp -d "${TMPDIR:-/tmp}/seccomp-exec-docker.XXXXXX")"
export DOCKER_TEST_RESULTS="${DOCKER_TEST_RESULTS:-$work/results.jsonl}"
: >>"$DOCKER_TEST_RESULTS"
log() { echo "docker/test.sh: $*" >&2; }
check() { node "$here/check.mjs" "$@"; }
# record PLATFORM GROUP STATUS NAME [MESSAGE]; never stops the script
record() { check record "$@" || true; }
t0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - t0 ))s"; }

# ---- cleanup: containers, the own daemon, and every trace it left on the host --------------
image="seccomp-exec-test:local"
container=""
dockerd_pid=""
own_daemon=0
state_ip_forward=""
state_run_docker=1
state_cgroup_parent=""
cleanup() {
  local rc=$?
  set +e
  if [ -n "$container" ]; then docker rm -f "$container" >/dev/null 2>&1; fi
  if [ "$own_daemon" = 1 ]; then
    if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
      kill -TERM "$dockerd_pid"
      for _ in $(seq 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
      if kill -0 "$dockerd_pid" 2>/dev/null; then
        log "dockerd ($dockerd_pid) did not stop in 30 s: killing it"
        kill -KILL "$dockerd_pid"
      fi
      wait "$dockerd_pid" 2>/dev/null
    fi
    # containerd and shims that dockerd started for us: each names our directory
    local p
    for p in /proc/[0-9]*; do
      p="${p#/proc/}"
      if { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -q -- "$work/"; then
        log "stopping leftover process $p: $(tr '\0' ' ' <"/proc/$p/cmdline" | cut -c1-100)"
        kill -KILL "$p" 2>/dev/null
      fi
    done
    # no mount may outlive the run (dockerd bind-mounts its data root onto itself)
    findmnt -rn -o TARGET | grep -E "^$work(/|$)" | sort -r | while read -r m; do umount -l "$m"; done
    if [ -n "$state_ip_forward" ] && [ "$(cat /proc/sys/net/ipv4/ip_forward)" != "$state_ip_forward" ]; then
      log "restoring net.ipv4.ip_forward=$state_ip_forward"
      echo "$state_ip_forward" >/proc/sys/net/ipv4/ip_forward
    fi
    # dockerd makes /run/docker/plugins whatever its exec root
    if [ "$state_run_docker" = 0 ] && [ -d /run/docker ] && ! pgrep -x dockerd >/dev/null; then
      rmdir /run/docker/plugins /run/docker 2>/dev/null || log "left /run/docker (not empty)"
    fi
    if [ -n "$state_cgroup_parent" ]; then
      find /sys/fs/cgroup -depth -type d -name "$state_cgroup_parent" 2>/dev/null | while read -r d; do
        find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
      done
    fi
  elif [ "$keep_image" = 0 ]; then
    [ -n "${built:-}" ] && docker rmi -f "$image" >/dev/null 2>&1
    [ -n "${local_base_imported:-}" ] && docker rmi -f seccomp-exec-base:local >/dev/null 2>&1
  fi
  check summary
  local s=$?
  rm -rf "$work"
  log "done in $(elapsed)"
  if [ "$rc" = 0 ] && [ "$s" != 0 ]; then rc=1; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

setup_fail() { record setup setup FAIL "$1" "${2:-}"; exit 1; }

# ---- 1. Docker daemon ------------------------------------------------------------------------
if [ "$daemon_mode" = auto ]; then
  if command -v docker >/dev/null && timeout 20 docker info >/dev/null 2>&1; then
    daemon_mode=existing
  else
    daemon_mode=own
  fi
fi

if [ "$daemon_mode" = own ]; then
  [ "$(id -u)" = 0 ] || setup_fail dockerd "its own Docker daemon needs root (or start one and use --existing-daemon)"
  command -v dockerd >/dev/null || setup_fail dockerd "dockerd is not installed (apt-get install -y --no-install-recommends docker.io)"
  command -v containerd >/dev/null || setup_fail dockerd "containerd is not installed (Debian package containerd)"
  command -v runc >/dev/null || setup_fail dockerd "runc is not installed (Debian package runc)"
  # the client of the same package, when there is one (another client may be newer than it)
  docker_cli=docker
  [ -x /usr/bin/docker ] && docker_cli=/usr/bin/docker
  docker() { command "$docker_cli" "$@"; }
  state_ip_forward="$(cat /proc/sys/net/ipv4/ip_forward)"
  [ -e /run/docker ] || state_run_docker=0
  state_cgroup_parent="seccomp-exec-docker-test.$$"
  mkdir -p "$work/data" "$work/exec" "$work/config"
  # its own config file: /etc/docker/daemon.json is not read, and the trust key that dockerd
  # 20.10 would create in /etc/docker goes to the work directory
  printf '{ "deprecated-key-path": "%s" }\n' "$work/key.json" >"$work/daemon.json"
  export DOCKER_HOST="unix://$work/docker.sock" DOCKER_CONFIG="$work/config" DOCKER_BUILDKIT=0
  unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
  if [ "$storage" = auto ]; then
    storage=vfs
    if grep -qw overlay /proc/filesystems; then
      case "$(findmnt -n -o FSTYPE -T "$work" 2>/dev/null)" in ext4|xfs|btrfs) storage=overlay2 ;; esac
    fi
  fi
  own_daemon=1
  dockerd --config-file "$work/daemon.json" \
    --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/dockerd.pid" \
    -H "$DOCKER_HOST" --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --bridge=none --storage-driver="$storage" --cgroup-parent "/$state_cgroup_parent" \
    >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 120); do
    if ! kill -0 "$dockerd_pid" 2>/dev/null; then
      tail -15 "$work/dockerd.log" >&2
      dockerd_pid=""
      setup_fail dockerd "dockerd exited at start (log above)"
    fi
    docker version >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker version >/dev/null 2>&1 || { tail -15 "$work/dockerd.log" >&2; setup_fail dockerd "dockerd did not answer in 60 s"; }
  record setup setup ok dockerd "own daemon $(docker version --format '{{.Server.Version}}') (pid $dockerd_pid, $storage, no network) after $(elapsed)"
else
  command -v docker >/dev/null || setup_fail docker "no docker client in PATH"
  timeout 20 docker info >/dev/null 2>&1 || setup_fail docker "the Docker daemon does not answer (docker info)"
  record setup setup ok docker "existing daemon $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
fi

case "$(docker info --format '{{.Architecture}}' 2>/dev/null)" in
  x86_64|amd64) native=linux/amd64 ;;
  aarch64|arm64) native=linux/arm64 ;;
  *) setup_fail docker "unsupported Docker host architecture: $(docker info --format '{{.Architecture}}' 2>/dev/null)" ;;
esac

# ---- 2. base image ---------------------------------------------------------------------------
if [ -z "$base" ]; then
  if [ "$local_base" = 1 ] || { [ "$local_base" = auto ] && [ "$daemon_mode" = own ]; }; then
    tarball="$("$here/make-base.sh")" || setup_fail base "docker/make-base.sh failed"
    base="seccomp-exec-base:local"
    docker import -m "seccomp-exec test base: debootstrap bookworm + host Node" \
      "$tarball" "$base" >/dev/null || setup_fail base "docker import $tarball failed"
    record setup setup ok base "$base imported from ${tarball#"$repo"/} after $(elapsed)"
  elif docker image inspect node:20-bookworm-slim >/dev/null 2>&1 \
      || timeout 300 docker pull node:20-bookworm-slim >"$work/pull.log" 2>&1; then
    base="node:20-bookworm-slim"
  else
    # no registry for images: the local base works with any daemon
    tarball="$("$here/make-base.sh")" || setup_fail base "node:20-bookworm-slim cannot be pulled and docker/make-base.sh failed"
    base="seccomp-exec-base:local"
    docker import "$tarball" "$base" >/dev/null || setup_fail base "docker import $tarball failed"
    local_base_imported=1
    record setup setup ok base "node:20-bookworm-slim cannot be pulled ($(tail -1 "$work/pull.log")); $base imported from ${tarball#"$repo"/}"
  fi
fi

# ---- 3. build --------------------------------------------------------------------------------
if [ "$npm_mode" = auto ]; then
  # when npm on the host reaches the registry, npm ci in the build may (its own daemon builds
  # on the host network); if it does not, the host's node_modules is used
  if timeout 30 npm ping >/dev/null 2>&1; then npm_mode=ci-or-offline; else npm_mode=offline; fi
fi
ctx="$work/context"
stage() { # stage ci|offline
  rm -rf "$ctx"
  mkdir -p "$ctx"
  # only the package's sources (no build outputs: they are made in the image)
  (cd "$repo" && tar -cf - --exclude=node_modules --exclude=.cache --exclude=.build-ca.crt \
    package.json package-lock.json tsconfig.json vitest.config.ts binding.gyp \
    native src scripts test docker) | tar -C "$ctx" -xf -
  if [ "$1" = offline ]; then
    [ -d "$repo/node_modules/node-addon-api" ] || setup_fail build "npm ci is not possible in the build and $repo/node_modules is missing (run npm ci)"
    cp -a "$repo/node_modules" "$ctx/node_modules"
  else
    # the CA the host trusts for the registry (a TLS-inspecting proxy's), if any
    local ca="${NODE_EXTRA_CA_CERTS:-}"
    if [ -z "$ca" ]; then ca="$(cd "$repo" && npm config get cafile 2>/dev/null)" || ca=""; fi
    if [ -n "$ca" ] && [ "$ca" != null ] && [ -r "$ca" ]; then cp "$ca" "$ctx/docker/.build-ca.crt"; fi
  fi
}
build() { # build ci|offline
  local args=(--build-arg "BASE=$base" --build-arg "NPM_INSTALL=$1" -f "$ctx/docker/Dockerfile" -t "$image")
  [ "$daemon_mode" = own ] && args+=(--network host)
  log "building $image from $base (NPM_INSTALL=$1)"
  timeout 1200 docker build "${args[@]}" "$ctx" >"$work/build.log" 2>&1
}
built_with=""
for mode in ci offline; do
  case "$npm_mode" in "$mode"|ci-or-offline) ;; *) continue ;; esac
  stage "$mode"
  if build "$mode"; then built_with="$mode"; break; fi
  if [ "$mode" = ci ] && [ "$npm_mode" = ci-or-offline ]; then
    log "the build with npm ci failed (last lines below); building again with the host's node_modules"
    tail -5 "$work/build.log" >&2
  fi
done
if [ -z "$built_with" ]; then
  tail -30 "$work/build.log" >&2
  setup_fail build "docker build failed (log above)"
fi
built=1
record setup setup ok build "$image (BASE=$base, NPM_INSTALL=$built_with) after $(elapsed)"
rm -rf "$ctx"

# ---- 4. the kernel tests in a container of the native platform -------------------------------
run_platform() {
  local plat="$1"
  local cli=(node dist/cli/seccomp-exec.js)
  container="seccomp-exec-test-$$-${plat#linux/}"
  if ! timeout 120 docker run -d --name "$container" --platform "$plat" --network none --init \
      --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
      --cap-add SYS_ADMIN --cap-add SYS_BOOT --cap-add DAC_READ_SEARCH \
      "$image" sleep infinity >"$work/run.log" 2>&1; then
    record "$plat" container FAIL start "$(tail -3 "$work/run.log")"
    return
  fi
  # a hung command is stopped (its container is removed at the end anyway)
  dexec() { timeout 600 docker exec "$container" "$@"; }

  # a. baseline: Docker's own filter is off, and unconfined every probe reaches the kernel
  local seccomp
  seccomp="$(dexec sh -c 'grep "^Seccomp:" /proc/self/status' 2>&1 | awk '{print $2}')"
  if [ "$seccomp" = 0 ]; then
    record "$plat" baseline ok "no seccomp filter on the container" "Seccomp: 0"
  else
    record "$plat" baseline FAIL "no seccomp filter on the container" "Seccomp: ${seccomp:-?} (is seccomp=unconfined honoured?)"
  fi
  if ! dexec probe --all >"$work/baseline.txt" 2>&1 || ! check probes "$plat" baseline <"$work/baseline.txt" || [ "$seccomp" != 0 ]; then
    record "$plat" baseline FAIL "baseline" "the probes do not all reach the kernel unconfined: Docker itself denies them, so no seccomp-exec result would mean anything; the other checks were not run"
    return
  fi

  # control: with Docker's own seccomp profile and capability set the probes never reach the
  # kernel either, so a test container without the options above would pass for the wrong reason
  if timeout 120 docker run --rm --platform "$plat" --network none "$image" probe mount reboot unshare \
      >"$work/docker-defaults.txt" 2>&1; then
    check probes "$plat" docker-defaults <"$work/docker-defaults.txt" || true
  else
    record "$plat" docker-defaults FAIL "control container" "$(tail -c 300 "$work/docker-defaults.txt")"
  fi

  # b. seccomp-exec under runtime/default and with added capabilities
  local group opts
  for group in runtime-default cap-sys-admin cap-sys-boot; do
    case "$group" in
      runtime-default) opts=() ;;
      cap-sys-admin) opts=(--cap-add CAP_SYS_ADMIN) ;;
      cap-sys-boot) opts=(--cap-add CAP_SYS_BOOT) ;;
    esac
    if dexec "${cli[@]}" "${opts[@]}" -- probe --all >"$work/$group.txt" 2>"$work/$group.err" && [ ! -s "$work/$group.err" ]; then
      check probes "$plat" "$group" <"$work/$group.txt" || true
    else
      record "$plat" "$group" FAIL "seccomp-exec ${opts[*]} -- probe --all" "$(head -c 400 "$work/$group.err")"
    fi
  done
  local out
  # shellcheck disable=SC2016 # JavaScript, not shell
  out="$(dexec "${cli[@]}" -- node -e 'console.log(`node ${process.arch} ok`)' 2>&1)" || true
  case "$plat:$out" in
    linux/amd64:"node x64 ok"|linux/arm64:"node arm64 ok") record "$plat" runtime-default ok "node runs under runtime/default" "$out" ;;
    *) record "$plat" runtime-default FAIL "node runs under runtime/default" "$out" ;;
  esac
  out="$(dexec "${cli[@]}" -- sh -c 'grep "^Seccomp:" /proc/self/status' 2>&1 | awk '{print $2}')" || true
  if [ "$out" = 2 ]; then record "$plat" runtime-default ok "the command runs in filter mode" "Seccomp: 2"
  else record "$plat" runtime-default FAIL "the command runs in filter mode" "Seccomp: ${out:-?}"; fi

  # c. the real-kernel test file, as on the host
  log "$plat: vitest run test/kernel.test.ts in the container"
  dexec npx vitest run test/kernel.test.ts --reporter=json --outputFile=/tmp/kernel-tests.json \
    >"$work/vitest.log" 2>&1 || true
  if dexec cat /tmp/kernel-tests.json >"$work/kernel-tests.json" 2>/dev/null; then
    check vitest "$plat" <"$work/kernel-tests.json" || true
  else
    record "$plat" kernel.test.ts FAIL "vitest report" "no report: $(tail -c 400 "$work/vitest.log")"
  fi
  docker rm -f "$container" >/dev/null 2>&1 || true
  container=""
}

emulated_note() {
  # $1: the platform that is not the Docker host's own
  local plat="$1" arch="${1#linux/}" qemu
  case "$arch" in arm64) qemu="qemu-aarch64" ;; amd64) qemu="qemu-x86_64" ;; esac
  local how="this Docker host is $native"
  if [ -e "/proc/sys/fs/binfmt_misc/$qemu" ] && grep -q '^enabled' "/proc/sys/fs/binfmt_misc/$qemu" 2>/dev/null; then
    how="$how: $plat containers would run under qemu-user (binfmt $qemu), which answers seccomp() with ENOSYS, so seccomp cannot be tested there"
  else
    how="$how and $plat containers would only run under qemu-user (binfmt), which answers seccomp() with ENOSYS, so seccomp cannot be tested there"
  fi
  if [ "$arch" = arm64 ]; then
    how="$how; the arm64 kernel tests run in an arm64 VM instead: npm run test:arm64"
  else
    how="$how; run docker/test.sh on an x86_64 Docker host for $plat"
  fi
  record "$plat" container skip "$plat" "$how"
}

run_platform "$native"
for plat in linux/amd64 linux/arm64; do
  [ "$plat" = "$native" ] || emulated_note "$plat"
done
