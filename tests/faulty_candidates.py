"""Candidates made to misbehave, registered only for the fault tests through `ARCHBENCH_CANDIDATES` (so the
worker processes, which import the registry afresh, see them too)."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from typing import Any, ClassVar, Self

import numpy as np

from harness.candidates.base import BaseCandidate
from harness.dataset import Predictions, Split
from harness.types import Family

ENV = ",".join(
    f"{name}=tests.faulty_candidates:{cls}"
    for name, cls in [
        ("faulty-raise", "Raises"),
        ("faulty-hang", "HangsInNativeCode"),
        ("faulty-memory", "EatsMemory"),
        ("faulty-segfault", "Segfaults"),
        ("faulty-exit", "CallsSysExit"),
        ("stamp-a", "StampA"),
        ("stamp-b", "StampB"),
        ("spy", "Spy"),
    ]
)


class _Faulty(BaseCandidate):
    family: ClassVar[Family] = Family.GBT
    complexity: ClassVar[int] = 2

    def size_bytes(self) -> int:
        return 1

    def predict(self, batch: Any) -> Predictions:
        n = batch.height
        return Predictions(labels=np.zeros(n, dtype=int), proba=np.tile([0.5, 0.5], (n, 1)))


class Raises(_Faulty):
    name: ClassVar[str] = "faulty-raise"

    def fit(self, train: Split, dev: Split) -> Self:
        raise RuntimeError("planted failure in fit")


class HangsInNativeCode(_Faulty):
    name: ClassVar[str] = "faulty-hang"

    def fit(self, train: Split, dev: Split) -> Self:
        _stamp(self.name, time.time(), float("inf"))  # its end: when it is killed
        libc = ctypes.CDLL(None)
        libc.sleep(3600)  # a native call: no Python tick, the cooperative deadline never fires
        return self


class EatsMemory(_Faulty):
    name: ClassVar[str] = "faulty-memory"

    def fit(self, train: Split, dev: Split) -> Self:
        hoard = []
        for _ in range(60):
            hoard.append(np.ones(100_000_000 // 8))  # 100 MB at a time, touched: fast even on a busy machine
            time.sleep(0.01)
        return self


class Segfaults(_Faulty):
    name: ClassVar[str] = "faulty-segfault"

    def fit(self, train: Split, dev: Split) -> Self:
        os.kill(os.getpid(), signal.SIGSEGV)
        return self


class CallsSysExit(_Faulty):
    name: ClassVar[str] = "faulty-exit"

    def fit(self, train: Split, dev: Split) -> Self:
        sys.exit(3)


def _stamp(name: str, start: float, end: float) -> None:
    if "ARCHBENCH_STAMPS" in os.environ:
        threads = os.environ.get("ARCHBENCH_THREADS", "-")
        with open(os.environ["ARCHBENCH_STAMPS"], "a") as out:
            out.write(f"{name} {os.getpid()} {start} {end} {threads}\n")


class _Stamps(_Faulty):
    """Behaves, slowly, and stamps each fit (`name pid start end threads`, to the file `ARCHBENCH_STAMPS`
    names; the hang stamps too) so a test sees which trials ran side by side, where, with how many threads."""

    def fit(self, train: Split, dev: Split) -> Self:
        start = time.time()
        time.sleep(0.6)
        _stamp(self.name, start, time.time())
        return self


class StampA(_Stamps):
    name: ClassVar[str] = "stamp-a"


class StampB(_Stamps):
    name: ClassVar[str] = "stamp-b"


class Spy(_Faulty):
    """Behaves, and writes down the largest value of column `a` in the rows it is fitted on (train and dev)
    and asked to predict (`fit <max>` / `predict <max>` lines, in the file `ARCHBENCH_SPY` names): a test
    plants golden rows with values no other row has, and sees whether any fit ever saw one."""

    name: ClassVar[str] = "spy"

    def fit(self, train: Split, dev: Split) -> Self:
        with open(os.environ["ARCHBENCH_SPY"], "a") as out:
            column = os.environ.get("ARCHBENCH_SPY_COLUMN", "a")
            out.write(f"fit {max(train.X[column].max(), dev.X[column].max())}\n")
        return self

    def predict(self, batch: Any) -> Predictions:
        if batch.height:
            with open(os.environ["ARCHBENCH_SPY"], "a") as out:
                out.write(f"predict {batch[os.environ.get('ARCHBENCH_SPY_COLUMN', 'a')].max()}\n")
        return super().predict(batch)
