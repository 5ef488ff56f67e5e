#!/bin/bash
# The FUSE filesystem of bpffsd driven with coreutils, against fs_harness
# (a pin tree with a few trivial objects, mounted in a temporary directory).
# Where the kernel's bpffs can be mounted, the same directory sequence runs
# on both and the listings must match.
#
#   fs_basic.sh PATH_TO_fs_harness
#
# Exit 77 (skip) without root or /dev/fuse.
set -u
harness=${1:?usage: fs_basic.sh PATH_TO_fs_harness}

# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
require_fuse_root
command -v python3 >/dev/null || skip "needs python3 for errno checks"

work=$(mktemp -d /tmp/fs_basic.XXXXXX)
mnt=$work/mnt
log=$work/harness.log
mkdir -p "$mnt"
chmod 755 "$work"  # the second user must reach the mount point
harness_pid=
failures=0
umask 022

cleanup() {
    if [[ -n $harness_pid ]] && kill -0 "$harness_pid" 2>/dev/null; then
        kill -TERM "$harness_pid"
        wait "$harness_pid"
    fi
    mountpoint -q "$mnt" 2>/dev/null || [[ -e $mnt ]] || umount -l "$mnt" 2>/dev/null
    mountpoint -q "$mnt" 2>/dev/null && umount -l "$mnt"
    mountpoint -q "$work/kbpf" && umount "$work/kbpf"
    rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect WANT COMMAND...: the command's stdout must be WANT.
expect() {
    local want=$1; shift
    local got
    got=$("$@" 2>&1)
    [[ $got == "$want" ]] || fail "$* -> '$got', want '$want'"
}

# expect_errno NAME PYTHON_STATEMENT: the statement must fail with errno NAME
# (or succeed, for NAME=OK).
expect_errno() {
    local want=$1 stmt=$2
    local got
    got=$(python3 -c "
import errno, os, sys
try:
    $stmt
    print('OK')
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
" 2>&1)
    [[ $got == "$want" ]] || fail "$stmt -> $got, want $want"
}

# as_nobody COMMAND...: runs as uid/gid 65534 without supplementary groups.
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

wait_for_line() {
    local line=$1
    for _ in $(seq 100); do
        grep -qx "$line" "$log" && return 0
        sleep 0.1
    done
    fail "the harness never said '$line'"
    return 1
}

start_harness() {
    : > "$log"
    "$harness" "$mnt" /run/bpffs-test.sock >> "$log" 2>&1 &
    harness_pid=$!
    wait_for_line ready || { cat "$log"; exit 1; }
}

start_harness

echo "== attributes"
expect "1777 3 0 0 directory 1" stat -c '%a %h %u %g %F %i' "$mnt"
expect "600 1 0 regular empty file" stat -c '%a %h %s %F' "$mnt/map1"
expect "755 2 directory" stat -c '%a %h %F' "$mnt/dir"
expect "4096 255 0 0" stat -f -c '%S %l %b %c' "$mnt"
ls -l "$mnt" > "$work/ls.txt" || fail "ls -l"
grep -q '^-rw------- 1 root root 0 .* map1$' "$work/ls.txt" || fail "ls -l map1: $(cat "$work/ls.txt")"
grep -q '^drwxr-xr-x 2 root root 0 .* dir$' "$work/ls.txt" || fail "ls -l dir: $(cat "$work/ls.txt")"

echo "== names"
expect_errno EPERM "os.mkdir('$mnt/a.b')"
expect_errno EPERM "os.mkdir('$mnt/.hidden')"
expect_errno EPERM "os.stat('$mnt/x.y')"
expect_errno EPERM "os.symlink('map1', '$mnt/s.l')"
expect_errno EPERM "os.link('$mnt/map1', '$mnt/b.a')"
expect_errno EPERM "os.rename('$mnt/map1', '$mnt/b.a')"
expect_errno OK "os.symlink('../x.y', '$mnt/dotted_target'); os.unlink('$mnt/dotted_target')"
expect_errno OK "os.mkdir('$mnt/' + 'n' * 255); os.rmdir('$mnt/' + 'n' * 255)"
expect_errno ENAMETOOLONG "os.mkdir('$mnt/' + 'n' * 256)"

echo "== files are made only by pinning"
out=$(touch "$mnt/newfile" 2>&1) && fail "touch succeeded"
[[ $out == *"Permission denied"* ]] || fail "touch: $out"
expect_errno EACCES "os.close(os.open('$mnt/newfile', os.O_CREAT | os.O_WRONLY, 0o644))"
expect_errno EEXIST "os.open('$mnt/map1', os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)"
expect_errno EACCES "os.mknod('$mnt/reg', 0o644 | 0o100000)"
expect_errno EPERM "os.mknod('$mnt/chr', 0o644 | 0o020000, os.makedev(1, 3))"
out=$(mkfifo "$mnt/fifo" 2>&1) && fail "mkfifo succeeded"
[[ $out == *"Operation not permitted"* ]] || fail "mkfifo: $out"

echo "== directories"
mkdir "$mnt/d1" || fail "mkdir d1"
expect "755 2" stat -c '%a %h' "$mnt/d1"
expect "4" stat -c '%h' "$mnt"
out=$(rmdir "$mnt/dir" 2>&1) && fail "rmdir of a non-empty directory succeeded"
[[ $out == *"Directory not empty"* ]] || fail "rmdir dir: $out"
expect_errno EISDIR "os.unlink('$mnt/d1')"
expect_errno ENOTDIR "os.rmdir('$mnt/map1')"
mkdir "$mnt/e" && mv "$mnt/e" "$mnt/d1/" || fail "mv e d1/"
expect "3" stat -c '%h' "$mnt/d1"
expect "4" stat -c '%h' "$mnt"
mkdir "$mnt/full" "$mnt/full/x" "$mnt/empty" || fail "mkdir full empty"
expect_errno ENOTEMPTY "os.rename('$mnt/empty', '$mnt/full')"
expect_errno OK "os.rename('$mnt/full/x', '$mnt/empty')"
rmdir "$mnt/full" "$mnt/empty" || fail "rmdir full empty"

echo "== links and renames"
ln "$mnt/map1" "$mnt/d1/m2" || fail "ln"
expect $'2\n2' stat -c '%h' "$mnt/map1" "$mnt/d1/m2"
[[ $(stat -c %i "$mnt/map1") == $(stat -c %i "$mnt/d1/m2") ]] || fail "hard link has another inode"
ln -s map1 "$mnt/sl" || fail "ln -s"
expect "map1" readlink "$mnt/sl"
expect "777 symbolic link" stat -c '%a %F' "$mnt/sl"
expect "regular empty file" stat -L -c '%F' "$mnt/sl"
mv "$mnt/d1/m2" "$mnt/m3" || fail "mv across directories"
mv "$mnt/m3" "$mnt/link1" || fail "mv over a pinned file"
wait_for_line "released link1"
[[ $(stat -c %i "$mnt/link1") == $(stat -c %i "$mnt/map1") ]] || fail "renamed pin has another inode"
rm "$mnt/link1" "$mnt/sl" || fail "rm"
expect "1" stat -c '%h' "$mnt/map1"
grep -q "released map1" "$log" && fail "map1 released while still pinned"

echo "== attributes can change"
chmod 644 "$mnt/map1" && expect "644" stat -c '%a' "$mnt/map1"
chown 65534:65534 "$mnt/map1" && expect "65534 65534" stat -c '%u %g' "$mnt/map1"
# truncate(2) by path: the size changes, the object does not (spec 4.2).
expect_errno OK "os.truncate('$mnt/map1', 10)"
expect "10" stat -c '%s' "$mnt/map1"
touch -d '2001-02-03 04:05:06' "$mnt/map1" || fail "touch -d"
expect "2001-02-03" bash -c "stat -c '%y' '$mnt/map1' | cut -c1-10"

echo "== xattrs"
expect "/run/bpffs-test.sock" python3 -c "import os; print(os.getxattr('$mnt', 'user.bpffs.socket').decode())"
expect_errno ENOTSUP "os.getxattr('$mnt/map1', 'user.bpffs.socket')"  # as the kernel
expect_errno ENOTSUP "os.getxattr('$mnt', 'user.other')"
expect "[]" python3 -c "import os; print(os.listxattr('$mnt/map1'))"
expect_errno ENOTSUP "os.setxattr('$mnt/map1', 'user.x', b'1')"

echo "== open"
expect "session 1 of iter1 for uid 0" cat "$mnt/iter1"
expect "session 2 of iter1 for uid 0" cat "$mnt/iter1"
expect_errno EIO "open('$mnt/dir/prog1').read()"
expect_errno EIO "open('$mnt/map1').read()"
# An open file keeps the object after its last name is gone (spec 4.10).
python3 - "$mnt/iter1" "$log" <<'PY' || fail "open file lifetime"
import os, sys, time
path, log = sys.argv[1], sys.argv[2]
f = open(path)
os.unlink(path)
time.sleep(0.2)
assert "released iter1" not in open(log).read(), "released while open"
assert f.read().startswith("session 3 of iter1"), "unreadable after unlink"
f.close()
for _ in range(50):
    if "released iter1" in open(log).read():
        sys.exit(0)
    time.sleep(0.1)
sys.exit("not released after close")
PY

echo "== another user"
out=$(as_nobody cat "$mnt/dir/prog1" 2>&1) && fail "nobody read a 0600 root file"
[[ $out == *"Permission denied"* ]] || fail "nobody cat: $out"
out=$(as_nobody rm -f "$mnt/obj_get_target" 2>&1) && fail "nobody removed root's pin in the sticky root"
[[ $out == *"Operation not permitted"* ]] || fail "nobody rm: $out"
as_nobody mkdir "$mnt/nobodys" || fail "nobody mkdir in the sticky root"
expect "65534 65534" stat -c '%u %g' "$mnt/nobodys"
out=$(as_nobody mkdir "$mnt/dir/x" 2>&1) && fail "nobody mkdir in a 0755 root directory"
[[ $out == *"Permission denied"* ]] || fail "nobody mkdir dir/x: $out"
as_nobody rmdir "$mnt/nobodys" || fail "nobody rmdir its own directory"

echo "== changes through the socket are visible at once"
ls "$mnt" > /dev/null
before=$(stat -c '%h' "$mnt")
kill -USR1 "$harness_pid" && wait_for_line "pinned late1"
ls "$mnt" | grep -qx late1 || fail "late1 not listed right after the pin"
expect "600" stat -c '%a' "$mnt/late1"
atime_before=$(stat -c '%X' "$mnt/obj_get_target")
touch -a -d '2000-01-01' "$mnt/obj_get_target"
stat "$mnt/obj_get_target" > /dev/null
kill -USR2 "$harness_pid" && wait_for_line "got obj_get_target"
[[ $(stat -c '%X' "$mnt/obj_get_target") -ge $atime_before ]] || fail "OBJ_GET atime not visible"
[[ $(stat -c '%h' "$mnt") == "$before" ]] || fail "root nlink changed by a file pin"

echo "== the kernel's bpffs agrees on the directory sequence"
sequence() {
    local root=$1
    mkdir "$root/a" "$root/a/b" "$root/c" && mv "$root/a/b" "$root/c/" && ln -s a "$root/s" &&
        mkdir "$root/c/b/deep" && mv "$root/c" "$root/a/" && rmdir "$root/a/c/b/deep"
    (cd "$root" && find a s -printf '%p %M %n\n' | sort)
}
mkdir -p "$work/kbpf"
if mount -t bpf bpf "$work/kbpf" 2>/dev/null; then
    mkdir "$mnt/cmp"
    kernel=$(sequence "$work/kbpf")
    ours=$(sequence "$mnt/cmp")
    [[ $kernel == "$ours" ]] || fail "listings differ: kernel '$kernel' ours '$ours'"
    # Pinned files too, where bpftool can pin a map into the kernel's bpffs.
    if command -v bpftool >/dev/null &&
        bpftool map create "$work/kbpf/m" type array key 4 value 4 entries 1 name m 2>/dev/null; then
        mv "$mnt/obj_get_target" "$mnt/cmp/m"
        pinned_sequence() {
            local root=$1
            ln "$root/m" "$root/a/h" && ln -s m "$root/sm" && mv "$root/a/h" "$root/h2" &&
                chmod 640 "$root/m" && python3 -c "import os; os.truncate('$root/m', 10)" &&
                (cd "$root" && find m h2 sm -printf '%p %M %n %s %l\n' | sort)
        }
        kernel=$(pinned_sequence "$work/kbpf")
        ours=$(pinned_sequence "$mnt/cmp")
        [[ $kernel == "$ours" ]] || fail "pinned listings differ: kernel '$kernel' ours '$ours'"
    else
        echo "(bpftool cannot pin into the kernel's bpffs: pinned-file comparison skipped)"
    fi
    umount "$work/kbpf"
else
    echo "(kernel bpffs not mountable here: comparison skipped)"
fi

echo "== clean stop, then a stale mount is cleared"
kill -TERM "$harness_pid"; wait "$harness_pid"; rc=$?; harness_pid=
((rc == 0)) || fail "the harness exited with status $rc (sanitizer report?)"
mountpoint -q "$mnt" && fail "still mounted after stop"
grep -qx stopped "$log" || fail "no clean stop"
start_harness
kill -KILL "$harness_pid"; wait "$harness_pid" 2>/dev/null; harness_pid=
out=$(stat -f "$mnt" 2>&1) && fail "a killed daemon's mount still answers"
[[ $out == *"not connected"* ]] || fail "stale mount: $out"
start_harness
grep -q "stale mount" "$log" || fail "the stale mount was not reported"
expect "600" stat -c '%a' "$mnt/map1"

if ((failures)); then
    echo "--- harness output:"
    cat "$log"
    echo "$failures failure(s)"
    exit 1
fi
echo "all fs checks passed"
