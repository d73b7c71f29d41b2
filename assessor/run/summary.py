"""The `assess` command's face: run the batch with progress on stderr, then one summary line."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from assessor.run.batch import EXIT_FAIL_ON, EXIT_NOTHING, BatchResult, run
from assessor.run.manifest import MANIFEST_NAME, counts
from assessor.run.options import BatchOptions
from assessor.run.progress import Progress
from assessor.run.terminal import escape


def run_cli(inputs: list[Path], options: BatchOptions) -> int:
    """Run with progress on stderr, print a summary, return the exit code."""
    started = time.monotonic()
    result = run(inputs, options, progress=Progress(total=len(inputs)))
    print_summary(result, options, elapsed=time.monotonic() - started)
    return result.exit_code


def unit_lines(result: BatchResult) -> list[str]:
    """Each unit's counts, names aligned: `  Contoso Retail   3 covered, 5 partial, 1 gap, ...`."""
    names = sorted(result.units, key=str.casefold)
    width = max((len(name) for name in names), default=0)
    lines = []
    for name in names:
        found = counts(result.units[name].assessment)
        lines.append(
            f"  {name:<{width}}  {found['covered']} covered, {found['partial']} partial, "
            f"{found['gap']} gap, {found['unrecognized']} not recognized"
        )
    return lines


def print_summary(result: BatchResult, options: BatchOptions, *, elapsed: float) -> None:
    """What happened, in one line (stdout when reports were written, stderr otherwise)."""
    failed = sum(1 for r in result.records if r.status != "ok")
    out = escape(str(options.out))
    manifest = f"{out}/{MANIFEST_NAME}"
    units = len(result.units)
    if result.stopped is not None:
        sys.stderr.write(
            f"stopped: writing failed after {len(result.written)} complete file(s) in {out}/; "
            f"they are kept and listed in {manifest}; no partial file was left\n"
        )
    elif result.interrupted:
        sys.stderr.write(
            f"interrupted: {units} business unit(s) complete in {out}/; "
            "no partial files were left\n"
        )
    elif result.exit_code == EXIT_NOTHING:
        sys.stderr.write(f"nothing could be assessed ({failed} input(s) failed); nothing written\n")
    else:
        print(
            f"assessed {units} unit{'s' if units != 1 else ''} from {len(result.records)} "
            f"input(s) in {elapsed:.1f}s: reports in {out}/"
            + (f"; {failed} input(s) failed, see {manifest}" if failed else "")
        )
        for line in unit_lines(result):
            print(line)
        if result.exit_code == EXIT_FAIL_ON:
            sys.stderr.write(f"--fail-on {options.fail_on}: findings at or below that status\n")
