#!/usr/bin/env python3
"""The README's tour, taken from README.md word for word and checked.

    readme_tour.py [--installed] [--service] list   README ROLE
    readme_tour.py [--installed] [--service] script README ROLE OUTDIR
    readme_tour.py [--installed] [--service] check  README ROLE OUTDIR

`list` prints the steps as parsed, `script` a bash script that runs them
and records what they print in OUTDIR, `check` compares the records with
the README. ROLE is `root` or `user`. --installed leaves out the steps
that install packages (commands starting with "apt "), for a machine that
has them already: the test suite's run against the build tree. --service
leaves out starting bpffsd (`bpffsd -f`), for root on a system where the
package's service runs it. The tour is the section under the heading
"## A tour", up to the next "## " heading. Its fenced blocks are:

- ```console blocks: a line starting with "$ " is a command (a trailing
  backslash continues it on the next line); the lines after it, up to the
  next command, are the output the README shows for it. A command that
  ends in the comment "# as root" or "# as a user" belongs to that role
  only. `bpffsd -f ...` runs in the background, as in a second shell, and
  the next command waits for its mount.
- ```c blocks: a file the tour writes; its first line is a comment that
  starts with the file's name ("// it.bpf.c: ...").

Any other fenced block in the tour is an error, so nothing in it goes
unchecked. All commands run in one bash session (variables carry over)
from the directory the script is started in; each one's output (stdout
and stderr together) and exit status are recorded in OUTDIR. `check`
wants every command to succeed and, where the README shows output, the
same bytes.
"""
import re
import shlex
import sys
from dataclasses import dataclass

ROLE_COMMENT = re.compile(r"\s+#\s+as (root|a user)\b[^#]*$")
ROLE_NAMES = {"root": "root", "a user": "user"}


@dataclass
class Step:
    kind: str  # "command" or "file"
    text: str  # the command, or the file's contents
    name: str = ""  # the file's name
    expected: str | None = None  # the output the README shows, if any
    line: int = 0  # where it is in README.md


def tour_lines(readme_text):
    lines = readme_text.split("\n")
    start = next((i for i, l in enumerate(lines) if l.strip() == "## A tour"), None)
    if start is None:
        raise SystemExit("README has no '## A tour' section")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
               len(lines))
    return [(i + 1, lines[i]) for i in range(start + 1, end)]


def fenced_blocks(numbered_lines):
    """Yields (info, first line number, [lines]) for each fenced block."""
    block = None
    for number, line in numbered_lines:
        if block is None:
            if line.startswith("```"):
                block = (line[3:].strip(), number + 1, [])
        elif line.startswith("```"):
            yield block
            block = None
        else:
            block[2].append(line)
    if block is not None:
        raise SystemExit(f"README line {block[1] - 1}: fenced block never closed")


def console_steps(first_line, lines, role):
    steps = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            raise SystemExit(f"README line {first_line + i}: output before any command")
        number = first_line + i
        command = line[2:]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command + "\n" + lines[i]
        i += 1
        output = []
        while i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        only = ROLE_COMMENT.search(command)
        if only and ROLE_NAMES[only.group(1)] != role:
            continue
        expected = "\n".join(output) + "\n" if output else None
        steps.append(Step("command", command, expected=expected, line=number))
    return steps


def file_step(first_line, lines):
    name = re.match(r"^(?://|/\*)\s*([\w.+-]+):", lines[0] if lines else "")
    if not name:
        raise SystemExit(f"README line {first_line}: a c block must start with "
                         "'// FILENAME: ...'")
    return Step("file", "\n".join(lines) + "\n", name=name.group(1), line=first_line)


def parse(readme_path, role, installed=False, service=False):
    if role not in ("root", "user"):
        raise SystemExit(f"unknown role {role!r}: root or user")
    with open(readme_path, encoding="utf-8") as f:
        text = f.read()
    steps = []
    for info, first_line, lines in fenced_blocks(tour_lines(text)):
        if info == "console":
            steps += console_steps(first_line, lines, role)
        elif info == "c":
            steps.append(file_step(first_line, lines))
        else:
            raise SystemExit(f"README line {first_line - 1}: tour block '```{info}' is "
                             "neither console nor c")
    if installed:
        steps = [s for s in steps if not (s.kind == "command" and s.text.startswith("apt "))]
    if service:
        steps = [s for s in steps if not (s.kind == "command" and is_foreground_daemon(s.text))]
    if not steps:
        raise SystemExit("the tour has no steps")
    return steps


def is_foreground_daemon(command):
    words = command.split()
    return len(words) >= 2 and words[0] == "bpffsd" and "-f" in words[1:]


# Waits until the daemon started in the background mounted a new bpffs (or
# died), as a person waits for the second shell to settle.
WAIT_FOR_MOUNT = """\
for _ in $(seq 100); do
    [ "$(grep -c ' fuse.bpffs ' /proc/self/mounts)" -gt "$tour_mounts" ] && break
    kill -0 $! 2>/dev/null || break
    sleep 0.1
done
"""


def script(steps, outdir):
    out = ["#!/bin/bash", "# Generated by scripts/readme_tour.py from README.md's tour.",
           f"tour_out={shlex.quote(outdir)}", 'mkdir -p "$tour_out"', ""]
    for n, step in enumerate(steps):
        out.append(f"# step {n}: README line {step.line}")
        if step.kind == "file":
            out += [f"cat > {shlex.quote(step.name)} <<'BPFFS_TOUR_EOF'",
                    step.text.rstrip("\n"), "BPFFS_TOUR_EOF",
                    f'echo $? > "$tour_out/{n}.rc"; : > "$tour_out/{n}.out"']
        elif is_foreground_daemon(step.text):
            # exec: $! is the daemon itself, for whoever stops it later.
            out += ["tour_mounts=$(grep -c ' fuse.bpffs ' /proc/self/mounts)",
                    f'( exec {step.text}\n) > "$tour_out/{n}.out" 2>&1 < /dev/null &',
                    "echo $! > \"$tour_out/daemon.pid\"", WAIT_FOR_MOUNT.rstrip("\n"),
                    f'kill -0 $! 2>/dev/null; echo $? > "$tour_out/{n}.rc"']
        else:
            # Braces, not a subshell: assignments stay for the next steps.
            out += [f'{{ {step.text}\n}} > "$tour_out/{n}.out" 2>&1 < /dev/null',
                    f'echo $? > "$tour_out/{n}.rc"']
    out.append("")
    return "\n".join(out)


def check(steps, outdir):
    failures = 0
    for n, step in enumerate(steps):
        label = step.name if step.kind == "file" else step.text.split("\n")[0]
        try:
            with open(f"{outdir}/{n}.rc") as f:
                rc = int(f.read().strip() or "-1")
            with open(f"{outdir}/{n}.out", encoding="utf-8", errors="replace") as f:
                got = f.read()
        except OSError:
            print(f"FAIL: line {step.line}: {label}: did not run")
            failures += 1
            continue
        problems = []
        if rc != 0:
            problems.append(f"exit status {rc}")
        if step.expected is not None and got != step.expected:
            problems.append("output differs from the README")
        if problems:
            failures += 1
            print(f"FAIL: line {step.line}: {label}: {', '.join(problems)}")
            if step.expected is not None and got != step.expected:
                print("  README shows:\n" + indent(step.expected))
            print("  printed:\n" + indent(got))
        else:
            shown = "output as shown" if step.expected is not None else "no output shown"
            print(f"ok: line {step.line}: {label} ({shown})")
    print(f"{len(steps)} steps, {failures} failed")
    return failures == 0


def indent(text):
    return "\n".join("    | " + l for l in text.rstrip("\n").split("\n"))


def main(argv):
    flags = set()
    while argv and argv[0] in ("--installed", "--service"):
        flags.add(argv.pop(0))
    installed, service = "--installed" in flags, "--service" in flags
    if len(argv) < 3 or argv[0] not in ("list", "script", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    steps = parse(argv[1], argv[2], installed, service)
    if argv[0] == "list":
        for step in steps:
            what = f"file {step.name}" if step.kind == "file" else step.text
            shows = "" if step.expected is None else f"  ({step.expected.count(chr(10))} lines shown)"
            print(f"{step.line}: {what}{shows}")
        return 0
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "script":
        sys.stdout.write(script(steps, argv[3]))
        return 0
    return 0 if check(steps, argv[3]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
