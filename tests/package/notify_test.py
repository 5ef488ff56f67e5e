#!/usr/bin/env python3
"""bpffsd under systemd's eyes: READY=1 reaches $NOTIFY_SOCKET (abstract and
path names) only once the mount and the control socket work, with the
daemon's pid and a status line; --socket-group/--socket-mode are applied
before that; bad values stop the daemon before it creates anything; a
broken $NOTIFY_SOCKET is logged and the daemon serves anyway.

    notify_test.py BPFFSD

Exits 77 (skipped) when this process cannot mount FUSE (no /dev/fuse
access, or not root)."""
import grp
import os
import socket
import stat
import subprocess
import sys
import tempfile
import time

BPFFSD = sys.argv[1]
failures = 0


def check(what, cond, detail=""):
    global failures
    print(("ok: " if cond else "FAIL: ") + what + ("" if cond else f" ({detail})"))
    if not cond:
        failures += 1


def mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def connectable(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def stop(proc):
    proc.terminate()
    try:
        return proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def readiness_case(tmp, name, notify_addr, bind_addr):
    """Starts bpffsd -f with NOTIFY_SOCKET=notify_addr and checks what
    arrives on bind_addr and the state of the daemon at that moment."""
    mnt, sock = os.path.join(tmp, name + "-mnt"), os.path.join(tmp, name + ".sock")
    group = grp.getgrgid(65534).gr_name if 65534 in [g.gr_gid for g in grp.getgrall()] else None
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(bind_addr)
    listener.settimeout(30)
    args = [BPFFSD, "-f", mnt, "--socket", sock, "--socket-mode", "0660"]
    if group:
        args += ["--socket-group", group]
    proc = subprocess.Popen(args, env=dict(os.environ, NOTIFY_SOCKET=notify_addr),
                            stderr=subprocess.PIPE, text=True)
    try:
        msg = listener.recv(4096).decode()
    except socket.timeout:
        msg = ""
    # The state right when READY=1 arrived.
    ready_mounted, ready_connectable = mounted(mnt), connectable(sock)
    lines = dict(l.split("=", 1) for l in msg.splitlines() if "=" in l)
    check(f"{name}: READY=1 received", lines.get("READY") == "1", repr(msg))
    check(f"{name}: MAINPID is the daemon's", lines.get("MAINPID") == str(proc.pid), repr(msg))
    check(f"{name}: STATUS names the mount and the socket",
          mnt in lines.get("STATUS", "") and sock in lines.get("STATUS", ""), repr(msg))
    check(f"{name}: mounted when ready", ready_mounted)
    check(f"{name}: socket accepts connections when ready", ready_connectable)
    st = os.stat(sock)
    check(f"{name}: socket mode 0660", stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode))
    if group:
        check(f"{name}: socket group {group}", st.st_gid == 65534, str(st.st_gid))
    check(f"{name}: SIGTERM stops it with 0", stop(proc) == 0)
    check(f"{name}: unmounted after stop", not mounted(mnt))
    listener.close()


def main():
    if not os.access("/dev/fuse", os.R_OK | os.W_OK) or os.geteuid() != 0:
        print("SKIP: needs root and /dev/fuse to mount")
        return 77
    with tempfile.TemporaryDirectory(prefix="bpffsd-notify.") as tmp:
        tmp = os.path.realpath(tmp)
        abstract = f"bpffsd-notify-test-{os.getpid()}"
        readiness_case(tmp, "abstract", "@" + abstract, "\0" + abstract)
        path = os.path.join(tmp, "notify")
        readiness_case(tmp, "path", path, path)

        # Bad socket settings: refused before the socket or the mount exist.
        for opt, value in (("--socket-mode", "0999"), ("--socket-mode", "rw"),
                           ("--socket-group", "no-such-group-bpffs-test")):
            sock = os.path.join(tmp, "bad.sock")
            r = subprocess.run([BPFFSD, "-f", os.path.join(tmp, "bad-mnt"), "--socket", sock,
                                opt, value], capture_output=True, text=True, timeout=30)
            check(f"{opt} {value}: exit 2 with a message",
                  r.returncode == 2 and opt in r.stderr, f"{r.returncode} {r.stderr!r}")
            check(f"{opt} {value}: nothing created",
                  not os.path.exists(sock) and not os.path.exists(os.path.join(tmp, "bad-mnt")))

        # A NOTIFY_SOCKET nobody can use: warned about, and the daemon serves.
        mnt, sock = os.path.join(tmp, "warn-mnt"), os.path.join(tmp, "warn.sock")
        proc = subprocess.Popen([BPFFSD, "-f", mnt, "--socket", sock],
                                env=dict(os.environ, NOTIFY_SOCKET="relative/path"),
                                stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while time.time() < deadline and not (mounted(mnt) and connectable(sock)):
            time.sleep(0.05)
        check("bad NOTIFY_SOCKET: the daemon serves anyway", mounted(mnt) and connectable(sock))
        stop(proc)
        err = proc.stderr.read()
        check("bad NOTIFY_SOCKET: a warning names it",
              "readiness not sent" in err and "relative/path" in err, repr(err))
    print(f"{failures} failed checks")
    return 1 if failures else 0


sys.exit(main())
