"""Where sweep jobs run: in this process, in local processes, or on a Dask cluster.

An executor takes a function and argument tuples and yields ``(index, result)`` pairs *as they
complete*, so the caller can save each result at once. Each job is deterministic (its seed and
replication fix every random number), so the results do not depend on the executor.

Examples
--------
>>> ex = SequentialExecutor()
>>> sorted(ex.run(pow, [(2, 3), (3, 2)]))
[(0, 8), (1, 9)]
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, Protocol

from sim.inputs.scenario_io import ScenarioError

__all__ = [
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SequentialExecutor",
    "local_pool",
    "make_executor",
]


def _worker_ignores_ctrl_c() -> None:
    """Ctrl-C reaches every process of the terminal's group; the main process stops the
    workers, which must not each print a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def local_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers leave Ctrl-C to the main process; on an error or Ctrl-C in
    the main process the queued jobs are cancelled and the workers stopped at once (not after
    the jobs they are running).

    >>> with local_pool(2) as pool:
    ...     sorted(pool.map(abs, [-1, 2]))
    [1, 2]
    """
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_ignores_ctrl_c)
    try:
        yield pool
    except BaseException:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(5)
        raise
    pool.shutdown(wait=True)


class Executor(Protocol):
    """Runs ``fn(*args)`` for each argument tuple; yields ``(index, result)`` as each finishes."""

    def run(
        self, fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]: ...


class SequentialExecutor:
    """Every job in this process, in order."""

    def run(
        self, fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]:
        for i, args in enumerate(jobs):
            yield i, fn(*args)


class ProcessExecutor:
    """Local worker processes (``concurrent.futures``); ``workers <= 1`` runs in this process."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1

    def run(
        self, fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]:
        if self.workers <= 1 or len(jobs) <= 1:
            yield from SequentialExecutor().run(fn, jobs)
            return
        with local_pool(min(self.workers, len(jobs))) as pool:
            futures = {pool.submit(fn, *args): i for i, args in enumerate(jobs)}
            for fut in as_completed(futures):
                yield futures[fut], fut.result()


class DaskExecutor:
    """A Dask distributed cluster: an existing scheduler, or a :class:`LocalCluster` started here.

    Parameters
    ----------
    address : str, optional
        Scheduler address (``tcp://host:8786``). If None, a local cluster is started.
    n_workers : int
        Workers of the local cluster (ignored with ``address``).
    processes : bool
        Local cluster workers as processes (True) or threads of this process.
    retries : int
        Times Dask reruns a job whose worker was lost.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        n_workers: int = 2,
        processes: bool = True,
        retries: int = 3,
    ) -> None:
        self.address = address
        self.n_workers = n_workers
        self.processes = processes
        self.retries = retries

    def run(
        self, fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]:
        try:
            from dask.distributed import Client, LocalCluster
            from dask.distributed import as_completed as dask_completed
        except ImportError:  # an optional extra: say how to get it instead of a traceback
            raise ScenarioError(
                ["Dask is not installed: pip install 'caspian-corridors[dask]'"]
            ) from None

        import dask.config

        if not jobs:
            return
        cluster = None
        if self.address is None:
            # the workers' statistical profiler samples the running job's stack every 10 ms for
            # the dashboard, which a local cluster here does not have: off, it costs no CPU
            with dask.config.set(LOCAL_WORKER_CONFIG):
                cluster = LocalCluster(
                    n_workers=self.n_workers,
                    threads_per_worker=1,
                    processes=self.processes,
                    dashboard_address=None,
                )
            client = Client(cluster)
        else:
            client = Client(self.address)
        try:
            # an argument shared by several jobs (a grid point's compiled model) is sent to the
            # workers once, not with every job
            shared = _shared_arguments(jobs)
            if shared:
                sent = client.scatter(list(shared.values()), broadcast=True, hash=False)
                stand_in = dict(zip(shared, sent, strict=True))
                jobs = [tuple(stand_in.get(id(a), a) for a in args) for args in jobs]
            # pure=False: a job is one replication, never deduplicated by argument hash
            futures = [client.submit(fn, *args, pure=False, retries=self.retries) for args in jobs]
            index = {f.key: i for i, f in enumerate(futures)}
            for fut in dask_completed(futures):
                yield index[fut.key], fut.result()
                fut.release()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


#: Dask settings of the workers of a local cluster (see :class:`DaskExecutor`)
LOCAL_WORKER_CONFIG = {"distributed.worker.profile.enabled": False}


def _shared_arguments(jobs: Sequence[tuple[Any, ...]]) -> dict[int, Any]:
    """The arguments (by identity) that more than one job takes, other than plain values.

    >>> spec = {"model": 1}
    >>> list(_shared_arguments([(spec, 0), (spec, 1), ({"other": 2}, 0)]).values())
    [{'model': 1}]
    """
    seen: dict[int, Any] = {}
    shared: dict[int, Any] = {}
    for args in jobs:
        for a in args:
            if isinstance(a, int | float | str | bool | None):
                continue
            if id(a) in seen:
                shared[id(a)] = a
            seen[id(a)] = a
    return shared


def make_executor(
    workers: int = 1, scheduler: str | None = None, local_cluster: int | None = None
) -> Executor:
    """The executor a user asked for: Dask if ``scheduler`` or ``local_cluster``, else processes.

    >>> type(make_executor(workers=1)).__name__
    'ProcessExecutor'
    """
    if scheduler is not None:
        return DaskExecutor(scheduler)
    if local_cluster is not None:
        return DaskExecutor(n_workers=local_cluster)
    return ProcessExecutor(workers)
