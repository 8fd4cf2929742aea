"""utils.executors: the process pool and Ray executors that ingest and vocab share."""
import pytest

from videobert.utils.executors import map_unordered


def _square_and_pid(x):
    import os

    return x * x, os.getpid()


def test_local_pool_maps_every_job_once_in_other_processes():
    import os

    out = list(map_unordered(_square_and_pid, [(i,) for i in range(9)], workers=2))
    assert sorted(v for v, _ in out) == [i * i for i in range(9)]
    assert os.getpid() not in {pid for _, pid in out}
    with pytest.raises(ValueError, match="executor"):
        list(map_unordered(_square_and_pid, [(1,)], 2, "dask"))


@pytest.mark.slow  # starts a local Ray (~10-20 s)
def test_ray_maps_every_job_once():
    ray = pytest.importorskip("ray")
    try:
        out = list(map_unordered(_square_and_pid, [(i,) for i in range(5)], workers=2, executor="ray"))
    finally:
        ray.shutdown()
    assert sorted(v for v, _ in out) == [i * i for i in range(5)]
