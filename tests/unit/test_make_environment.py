"""What `make` hands the processes it starts, whatever the machine exports."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A target of the test's own, read after the project's Makefile: it reports what a recipe's Python sees.
PROBE = 'probe:\n\t@"$(PYTHON)" -c "import sys; print(sys.flags.dont_write_bytecode)"\n'


def test_the_processes_make_starts_write_bytecode_even_where_the_machine_says_not_to() -> None:
    environment = os.environ | {"PYTHONDONTWRITEBYTECODE": "1", "PYTHON": sys.executable}

    probed = subprocess.run(
        ["make", "--no-print-directory", "-s", "-f", "Makefile", "-f", "-", "probe"],
        input=PROBE,
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )

    assert probed.stdout.strip() == "0"
