#!/bin/sh
# PID 1 of the arm64 test VM (packed as /init by scripts/arm64/initramfs.mjs).
# Mounts the pseudo file systems, runs the guest scenario runner (which prints
# "@@RESULT {...}" lines and "@@DONE n" on the serial console), then powers off.
# PID 1 itself never installs a filter: only the runner's children do, so the final
# `poweroff -f` always runs unconfined.
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TMPDIR=/tmp
mount -t tmpfs -o mode=1777 tmpfs /tmp
hostname arm64-test

echo "@@BOOT {\"kernel\":\"$(uname -r)\",\"machine\":\"$(uname -m)\",\"uptime\":\"$(cut -d' ' -f1 /proc/uptime)\"}"
node /test/guest.mjs
echo "@@EXIT $?"
poweroff -f
# Only reached if poweroff failed: make the kernel stop (panic=-1 + -no-reboot ends qemu).
exit 1
