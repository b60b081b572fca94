"""The benchmark's CPU shares: Lambda's one vCPU at 1,769 MB, and a plain word when no quota can be set."""

from pathlib import Path

import pytest

from bench.cpu_quota import PERIOD_US, quota_available, quota_us


@pytest.mark.parametrize(("memory_mb", "share"), [(512, 0.2894), (1024, 0.5789), (1769, 1.0)])
def test_a_memory_size_gets_its_share_of_one_vcpu(memory_mb: int, share: float) -> None:
    assert quota_us(memory_mb) / PERIOD_US == pytest.approx(share, abs=1e-4)


def test_without_a_cpu_cgroup_the_bench_says_why(tmp_path: Path) -> None:
    assert quota_available(tmp_path) == f"no cgroup v1 CPU controller at {tmp_path}"
