"""Fake homes for the tests of generate's process pool, in a module of their own.

A pool's worker imports the module of the function it runs. From the test module, that was
Home Assistant too (through ``tests.conftest`` and the integration's package): 5 s of CPU in
each worker, against 0.6 s for this module, for fake homes that sleep 0.3 s. Importing
``trainer`` first keeps the integration's ``__init__`` (and Home Assistant) out, as in the
trainer's own workers.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from trainer.generate.runner import HomeJob, HomeResult


def fake_home(job: HomeJob) -> HomeResult:
    """A home that takes 0.3 s to make and writes nothing."""
    time.sleep(0.3)
    return HomeResult(job.home_id, job.home_type, 0, 0, 0.3)


def failing_home(job: HomeJob) -> HomeResult:
    """The first home fails as a worker's error would; the others are fake homes."""
    if job.index == 0:
        raise ValueError("no such home")
    return fake_home(job)


#: A file that says the run is waiting for its homes in progress (``written_then_stopped``).
WAITING_MARK = "HOME_TYPE_TEST_WAITING_MARK"


def written_then_stopped(job: HomeJob) -> HomeResult:
    """The first home is written, then Ctrl-C comes and its worker dies before it can report
    it -- as SIGTERM to the whole process group can end a worker; the other is never made.

    The worker dies once the run waits for it (the test makes the file ``WAITING_MARK``
    names then): dead earlier, it breaks the pool before the Ctrl-C is seen.
    """
    if job.index == 0:
        job.path.write_bytes(b"a home")  # in place, as the worker's rename leaves it
        os.kill(os.getppid(), signal.SIGINT)
        waiting = Path(os.environ[WAITING_MARK])
        deadline = time.monotonic() + 30
        while not waiting.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        os._exit(1)
    time.sleep(60)  # ended with the pool, once it breaks
    return fake_home(job)
