#!/usr/bin/env python3
"""Write the lock files from pyproject.toml (``make lock``), or say why they no longer match it (``--check``).

=========================  ===========================================================================
``requirements.lock``      the runtime dependencies and the ``test`` extra: what ``make install`` installs
``requirements-llm.lock``  the same plus the ``llm`` extra (``make install-llm``), resolved with
                           ``requirements.lock`` as constraints so the two never disagree on a version
=========================  ===========================================================================

pip-tools resolves them for the Python and platform it runs on (CPython 3.11, Linux x86-64). A lock must install
on machines that lack this one's package folders, so what ties it to this machine is left out:

* machine-local version labels: torch resolves here to ``2.13.0+cpu`` from a local wheel; the lock says
  ``torch==2.13.0``, which the CPU build (``+cpu``) satisfies, wherever it comes from;
* every pip option (index URLs, ``--find-links``, trusted hosts) that this machine's pip configuration adds.

Existing pins are kept where pyproject.toml still allows them (pip-compile prefers them), so re-running after
adding a dependency changes only what that dependency needs; ``--upgrade`` moves every pin to the newest allowed.

Usage::

    python scripts/lock.py             # (re)write both locks
    python scripts/lock.py --upgrade   # newest allowed versions
    python scripts/lock.py --check     # exit 1 and say why when a lock is stale
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "pyproject.toml"
# How pip-compile annotates a package that pyproject.toml asks for directly.
_DIRECT = f"({SOURCE})"
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;#]+)")
_VIA = re.compile(r"^\s+#\s+(?:via\s+)?(?P<what>\S.*)$")
_LOCAL_LABEL = re.compile(r"^(?P<pin>[A-Za-z0-9][A-Za-z0-9._-]*==[^\s;#+]+)\+[A-Za-z0-9.]+", re.MULTILINE)


@dataclass(frozen=True)
class Lock:
    path: str
    extras: tuple[str, ...]
    constraint: str | None = None


LOCKS = (
    Lock("requirements.lock", extras=("test",)),
    Lock("requirements-llm.lock", extras=("test", "llm"), constraint="requirements.lock"),
)


@dataclass(frozen=True)
class Pin:
    version: str
    via: tuple[str, ...]

    @property
    def direct(self) -> bool:
        return any(v.endswith(_DIRECT) for v in self.via)


def read_pins(text: str) -> dict[str, Pin]:
    """Canonical name → pinned version and what pulled it in, from pip-compile output."""
    pins: dict[str, Pin] = {}
    name: str | None = None
    for line in text.splitlines():
        match = _PIN.match(line)
        if match:
            name = canonicalize_name(match["name"])
            pins[name] = Pin(match["version"], ())
            continue
        via = _VIA.match(line)
        if name is not None and via and via["what"] != "via":
            pins[name] = Pin(pins[name].version, (*pins[name].via, via["what"].strip()))
        elif not line.startswith((" ", "#")):
            name = None
    return pins


def requirements(pyproject: Path, extras: Iterable[str]) -> list[Requirement]:
    """The requirements of ``[project]`` and of the given extras that apply to this interpreter."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lines = list(project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        lines += optional.get(extra, [])
    parsed = [Requirement(line) for line in lines]
    return [r for r in parsed if r.marker is None or r.marker.evaluate({"extra": ""})]


def stale(pyproject: Path, lock: Path, extras: Iterable[str], base: Path | None = None) -> list[str]:
    """Why ``lock`` does not match ``pyproject`` (empty when it does). Runs offline in milliseconds: every
    requirement must be pinned at a version it allows, every direct pin must still be asked for, and nothing
    ties the lock to this machine."""
    if not lock.is_file():
        return [f"{lock.name} is missing"]
    text = lock.read_text(encoding="utf-8")
    pins = read_pins(text)
    wanted = requirements(pyproject, extras)
    reasons = []
    for req in wanted:
        pin = pins.get(canonicalize_name(req.name))
        if pin is None:
            reasons.append(f"{req} is in {pyproject.name} but not in {lock.name}")
        elif not req.specifier.contains(Version(pin.version), prereleases=True):
            reasons.append(f"{lock.name} pins {req.name}=={pin.version}, which {pyproject.name} excludes ({req})")
    names = {canonicalize_name(r.name) for r in wanted}
    for name, pin in sorted(pins.items()):
        if pin.direct and name not in names:
            reasons.append(f"{lock.name} pins {name} for {pyproject.name}, which no longer asks for it")
        if "+" in pin.version:
            reasons.append(f"{lock.name} pins {name}=={pin.version}: a machine-local version label")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("-") or "file:/" in line:
            reasons.append(f"{lock.name}:{number}: {line.strip()!r} ties the lock to this machine")
    if base is not None and base.is_file():
        for name, pin in sorted(read_pins(base.read_text(encoding="utf-8")).items()):
            if name in pins and pins[name].version != pin.version:
                reasons.append(f"{lock.name} pins {name}=={pins[name].version} but {base.name} {pin.version}")
    return reasons


def check(root: Path = ROOT) -> list[str]:
    reasons = []
    for lock in LOCKS:
        base = root / lock.constraint if lock.constraint else None
        reasons += stale(root / SOURCE, root / lock.path, lock.extras, base)
    return reasons


def portable(text: str) -> str:
    """pip-compile output with machine-local version labels dropped (``torch==2.13.0+cpu`` → ``torch==2.13.0``)."""
    return _LOCAL_LABEL.sub(r"\g<pin>", text)


def compile_lock(lock: Lock, root: Path = ROOT, *, upgrade: bool = False) -> None:
    target = root / lock.path
    with tempfile.TemporaryDirectory() as tmp:
        # pip-compile writes into a copy, so an interrupted or failed run leaves the lock as it was; the copy
        # carries the current pins, which pip-compile keeps where they are still allowed.
        out = Path(tmp) / target.name
        if target.is_file():
            out.write_text(target.read_text(encoding="utf-8"), encoding="utf-8")
        command = [sys.executable, "-m", "piptools", "compile", "--quiet", SOURCE, "--output-file", str(out)]
        command += ["--strip-extras", "--allow-unsafe", "--no-emit-options"]
        command += [f"--extra={extra}" for extra in lock.extras]
        if lock.constraint:
            command += ["--constraint", lock.constraint]
        if upgrade:
            command.append("--upgrade")
        env = {**os.environ, "CUSTOM_COMPILE_COMMAND": "make lock"}
        subprocess.run(command, cwd=root, env=env, check=True)
        text = portable(out.read_text(encoding="utf-8"))
        staged = target.with_name(target.name + ".tmp")
        staged.write_text(text, encoding="utf-8")
        staged.replace(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail when a lock no longer matches pyproject.toml")
    parser.add_argument("--upgrade", action="store_true", help="move every pin to the newest allowed version")
    args = parser.parse_args(argv)
    if not args.check:
        for lock in LOCKS:
            print(f"resolving {lock.path} ({SOURCE} + {', '.join(lock.extras)})", flush=True)
            try:
                compile_lock(lock, upgrade=args.upgrade)
            except subprocess.CalledProcessError as err:
                print(f"pip-compile failed for {lock.path} (exit {err.returncode}); the lock is unchanged")
                return 1
    reasons = check()
    for reason in reasons:
        print(f"stale: {reason}", file=sys.stderr)
    if reasons:
        print("run: make lock", file=sys.stderr)
        return 1
    print("locks match pyproject.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
