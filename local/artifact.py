"""The Lambda artifact built for this machine, to run it as Lambda would: nothing else on sys.path.

The recipe is the one `sam build` runs (the Makefile's build-SessionsFunction); only the platform
and Python version differ, so the same dependency list and placeholders are exercised here.
"""

import compileall
import platform
import subprocess
import sys
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
# What the python3.13 Lambda runtime provides besides the standard library.
RUNTIME_PROVIDED = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "urllib3",
    "dateutil",
    "six.py",
    "snapshot_restore_py.py",  # SnapStart's runtime hooks
)


def build_for_this_machine(destination: Path, *, bytecode: bool = True) -> Path:
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    compiler = sys.executable if bytecode else "false"
    subprocess.run(
        [
            "make",
            "--silent",
            "build-SessionsFunction",
            f"ARTIFACTS_DIR={destination}",
            f"PYTHON={sys.executable}",
            f"LAMBDA_PLATFORM=manylinux2014_{platform.machine()}",
            f"LAMBDA_PYTHON={python}",
            f"LAMBDA_COMPILER={compiler}",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return destination


def runtime_provided(destination: Path) -> Path:
    """A folder with only what the Lambda runtime adds to sys.path."""
    destination.mkdir(parents=True, exist_ok=True)
    site = Path(boto3.__file__).parents[1]
    for name in RUNTIME_PROVIDED:
        if not (destination / name).exists():
            (destination / name).symlink_to(site / name)
        # The runtime's packages come with their bytecode; uv installs a venv without it, and the cold start
        # runs with PYTHONDONTWRITEBYTECODE (Lambda's read-only /var/task), so compile it here once.
        if (site / name).is_dir():
            compileall.compile_dir(site / name, quiet=1, workers=0)
    return destination
