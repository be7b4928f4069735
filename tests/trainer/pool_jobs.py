"""Fake homes for the tests of generate's process pool, in a module of their own.

A pool's worker imports the module of the function it runs. From the test module, that was
Home Assistant too (through ``tests.conftest`` and the integration's package): 5 s of CPU in
each worker, against 0.6 s for this module, for fake homes that sleep 0.3 s. Importing
``trainer`` first keeps the integration's ``__init__`` (and Home Assistant) out, as in the
trainer's own workers.
"""

from __future__ import annotations

import time

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
