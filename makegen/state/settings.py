"""The run-time configuration of a build, as Make resolves it here (config.mk).

makegen's own commands see exactly what a node sees: they ask make rather than
re-implement the precedence of command line, environment, site file and defaults.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..contract.layout import Layout
from ..errors import MakegenError, did_you_mean


def run_config(build_dir: Path, overrides: Sequence[str] = ()) -> dict[str, str]:
    """The settings in force (ROOT_DIR, OUTPUT_DIR, [vars]) as Make resolves them here, with
    `overrides` (NAME=VALUE) at command-line precedence, as `makegen run --set` gives them."""
    import sh  # only commands that read a build need it; keep `makegen build` light

    try:
        output = sh.make("-r", "-s", "-f", str(build_dir / Layout.config), "makegen-config",
                         *overrides, _err_to_out=True)
    except sh.CommandNotFound:
        raise MakegenError("GNU make is not on PATH, and makegen asks it for the configuration",
                           key="make", hint="install GNU make (3.82 or newer) or fix PATH") from None
    except sh.ErrorReturnCode as exc:
        text = exc.stdout.decode(errors="replace").strip()
        raise MakegenError(f"Make cannot read the configuration: {text}",
                           file=build_dir / Layout.config,
                           hint="check MAKEGEN_CONFIG and the site config file it names") from None
    settings: dict[str, str] = {}
    for line in str(output).splitlines():
        name, sep, value = line.partition("=")
        if sep:
            settings[name] = value
    return settings


def check_overrides(build_dir: Path, sets: Sequence[str]) -> list[str]:
    """`--set NAME=VALUE` arguments, checked against the build's settings."""
    if not sets:
        return []
    known = run_config(build_dir)
    checked = []
    for item in sets:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise MakegenError(f"{item!r} is not NAME=VALUE", key="--set",
                               hint="e.g. --set THREADS=8 (quote a value with spaces)")
        if name not in known:
            raise MakegenError(f"`{name}` is not a setting of this build{did_you_mean(name, known)}",
                               key="--set", hint="settings: " + ", ".join(known))
        if "\n" in value:
            raise MakegenError(f"the value of {name} holds a line break", key="--set",
                               hint="settings are one line")
        checked.append(f"{name}={value}")
    return checked


def site_values(build_dir: Path, names: Sequence[str]) -> dict[str, str]:
    """Settings of makegen itself that no pipeline declares (a backend's account, say), found
    like every setting: the environment, else the site config file named by $MAKEGEN_CONFIG
    (as Make reads it through the build's config.mk); '' where neither sets one."""
    found = {name: os.environ.get(name, "") for name in names}
    unset = [name for name in names if not found[name]]
    if unset and os.environ.get("MAKEGEN_CONFIG"):
        import sh

        show = "makegen-site-values: ; @:$(foreach n," + " ".join(unset) + ",$(info $(n)=$($(n))))"
        try:
            output = sh.make("-r", "-s", "-f", str(build_dir / Layout.config), f"--eval={show}",
                             "makegen-site-values", _err_to_out=True)
        except (sh.CommandNotFound, sh.ErrorReturnCode):
            run_config(build_dir)  # says what is wrong, as every command does
            raise
        for line in str(output).splitlines():
            name, sep, value = line.partition("=")
            if sep and name in unset:
                found[name] = value
    return found
