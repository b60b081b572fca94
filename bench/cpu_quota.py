"""Lambda's CPU share for a memory size, applied to a process with a cgroup v1 CPU quota.

Lambda allocates CPU in proportion to memory; 1,769 MB is one vCPU ("Lambda function memory",
AWS Lambda Developer Guide), so 512 MB is about 0.29 of one. A child process joins a cgroup whose
cpu.cfs_quota_us is that share of cpu.cfs_period_us before it runs anything.
"""

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

CPU_CGROUP = Path("/sys/fs/cgroup/cpu")
ONE_VCPU_MB = 1769
PERIOD_US = 100_000


def quota_available(cgroup: Path = CPU_CGROUP) -> str | None:
    """None when quotas can be set here; otherwise why not (the bench then says so)."""
    if not (cgroup / "cpu.cfs_quota_us").exists():
        return f"no cgroup v1 CPU controller at {cgroup}"
    if not os.access(cgroup, os.W_OK):
        return "the CPU cgroup is not writable (run as root)"
    return None


def quota_us(memory_mb: int) -> int:
    """cpu.cfs_quota_us for memory_mb's share of one vCPU, per PERIOD_US."""
    return round(PERIOD_US * memory_mb / ONE_VCPU_MB)


@contextlib.contextmanager
def cpu_share_of(memory_mb: int, cgroup: Path = CPU_CGROUP) -> Iterator[Callable[[], None]]:
    """A preexec_fn that puts the child under the CPU share Lambda gives memory_mb."""
    group = cgroup / f"sessions-bench-{memory_mb}mb-{os.getpid()}"
    group.mkdir(exist_ok=True)
    try:
        (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (group / "cpu.cfs_quota_us").write_text(str(quota_us(memory_mb)))

        def join() -> None:
            (group / "tasks").write_text(str(os.getpid()))

        yield join
    finally:
        with contextlib.suppress(OSError):
            group.rmdir()
