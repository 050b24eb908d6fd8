"""The accounts travel back from Dask workers as they do from local ones: a run on a real
loopback cluster (the cluster of test_core_dask) gives the account the local run gives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("distributed")

import account_plugin
from test_core_dask import Cluster

import rinec_report

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    c = Cluster(tmp_path_factory.mktemp("cluster"))
    yield c
    c.stop()


def test_the_account_from_dask_workers_is_the_local_one(cluster: Cluster, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    for i in range(6):  # file i: i + 2 rows, one of which is not a number
        rows = [f"P{k}\t{k}" for k in range(i + 1)] + ["P9\tx"]
        (run / f"t{i}.acct").write_text("sample\tvalue\n" + "\n".join(rows) + "\n")
    reports = {}
    for where, kw in (("local", {"jobs": 2}), ("dask", {"executor": "dask", "scheduler": cluster.address})):
        reports[where] = rinec_report.run(run, outdir=tmp_path / where, force=True, plugins=("acct",),
                                          extra_plugins={"acct": account_plugin}, **kw)
    remote = reports["dask"].accounts
    assert remote == reports["local"].accounts
    by_file = {r["file"]: r for r in remote}
    assert [(by_file[f"t{i}.acct"]["read"], by_file[f"t{i}.acct"]["used"]) for i in range(6)] == \
        [(i + 2, i + 1) for i in range(6)]
