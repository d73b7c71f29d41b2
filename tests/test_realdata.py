"""The real workbooks in ../shared/realdata: each gives a correct reading or a clear InputError."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from intake_fixtures import catalog

from assessor.domain.errors import InputError
from assessor.intake import workbook as intake

REALDATA = Path(__file__).parents[2] / "shared" / "realdata"

pytestmark = pytest.mark.skipif(
    not REALDATA.is_dir(), reason=f"real workbooks not present at {REALDATA}"
)


def refusal(tmp_path: Path, name: str) -> InputError:
    source = REALDATA / name
    if not source.exists():
        pytest.skip(f"{source} is absent")
    copy = tmp_path / name
    shutil.copyfile(source, copy)
    with pytest.raises(InputError) as err:
        intake.read_workbook(copy, catalog())
    assert err.value.exit_code == 2
    assert err.value.message.startswith(f"{name}: ") and "\n" not in err.value.message
    return err.value


def test_hecvat_question_sheets_are_not_a_requirements_table(tmp_path: Path) -> None:
    # 15 sheets of vendor questions, three hidden; the AI sheet declares 1,048,576 rows.
    err = refusal(tmp_path, "HECVAT414.xlsx")
    assert "no requirements table found" in err.message
    issues = [str(i) for i in err.issues]
    assert any(i.startswith("sheet 'AI': headers seen:") for i in issues)
    locations = [i.location for i in err.issues]
    assert "sheet 'Questions'" not in locations  # hidden sheets are never read
    assert "... and 2 more sheets" in issues[-1]


def test_crosswalk_with_frameworks_as_column_headers_is_refused_listing_them(
    tmp_path: Path,
) -> None:
    err = refusal(tmp_path, "Custom_financial_crosswalk_1.xlsx")
    assert "no requirements table found" in err.message
    (issue,) = err.issues
    assert "'FFIEC Mappings'" in issue.message and issue.location == "sheet 'Framework Mapping'"
    assert err.hint is not None and "framework" in err.hint


def test_cri_gap_tracker_is_refused_listing_both_sheets(tmp_path: Path) -> None:
    err = refusal(tmp_path, "Final-CRI-Profile-v2.0-Public-2024.02.29-2.xlsx")
    assert [i.location for i in err.issues] == [
        "sheet 'Column Descriptions'",
        "sheet 'Current and Target Profile'",
    ]
    assert "'Current Priority'" in err.issues[1].message


# The child's own peak: VmHWM belongs to the new address space made by exec, whereas
# ru_maxrss is carried over from the (possibly large) pytest process that forked the child.
_MEASURE = """
import resource, sys
from pathlib import Path


def peak_mib():
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


from assessor.catalog import load as catalog
from assessor.intake import workbook as intake
from assessor.domain.errors import InputError
try:
    intake.read_workbook(Path(sys.argv[1]), catalog.load_catalog(None))
except InputError:
    pass
print(peak_mib())
"""


@pytest.mark.parametrize("name", sorted(p.name for p in REALDATA.glob("*.xlsx")))
def test_real_workbook_is_read_in_bounded_memory(tmp_path: Path, name: str) -> None:
    copy = tmp_path / name
    shutil.copyfile(REALDATA / name, copy)
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(copy)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    peak_mib = int(out.stdout.strip().splitlines()[-1])
    assert peak_mib < 400, f"{name}: peak RSS {peak_mib} MiB"
