"""Work that callers asking at once share: one run at a time, the next shared by all who wait.

A large home's read keeps the recorder's executor busy for tens of seconds, and the hourly
update, the classify action, the endpoint's ``?refresh=1``, an edit's update and diagnostics
can all ask at once. Each used to start its own, one after another; the last caller waited for
all of them, and Home Assistant's history and logbook behind them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from homeassistant.core import HomeAssistant, callback


class RunCancelledError(Exception):
    """The run a caller waited for was cancelled, and the caller was not.

    Runs are background tasks, which Home Assistant cancels as it stops; a caller still
    waiting then got a bare ``CancelledError`` through ``shield``, and set-up, taking it for
    its own failure, logged "Error setting up entry" with its traceback. An exception says what
    happened, and the caller's own cancellation stays a ``CancelledError``.
    """


def _retrieve_exception(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


class SharedRuns[T]:
    """Runs ``job`` one at a time; a caller gets a run that starts no earlier than its call.

    A caller that comes while a run is under way does not take that run's answer, which may
    predate what the caller has just changed (a new entity, a new model): it waits for the
    next run, which starts when the running one ends and which every caller until then shares.
    A caller that is cancelled (a closed request) leaves the run to the others: runs are
    background tasks, which Home Assistant cancels when it stops.

    A run has begun when its job starts, or, with ``begins_itself``, when the job says so
    (:meth:`begun`): a refresh waits for locks first (behind the hourly update, which is not
    one of these runs), and callers that come meanwhile still share it.
    """

    def __init__(self, hass: HomeAssistant, name: str,
                 job: Callable[[], Coroutine[Any, Any, T]], *,
                 begins_itself: bool = False) -> None:
        """Runs of ``job``, named ``name`` among Home Assistant's tasks."""
        self._hass, self._name, self._job = hass, name, job
        self._begins_itself = begins_itself
        self._latest: asyncio.Task[T] | None = None
        #: The latest run while it has not begun: callers join it.
        self._waiting: asyncio.Task[T] | None = None
        self._begun: asyncio.Task[Any] | None = None  # the run that began last

    async def __call__(self) -> T:
        """The answer of a run begun no earlier than this call."""
        run = self._waiting
        if run is None or run.done():  # done: cancelled before it began (Home Assistant stopping)
            previous = self._latest
            if previous is not None and previous.done():
                previous = None
            run = self._latest = self._hass.async_create_background_task(
                self._run_after(previous), self._name, eager_start=True
            )
            # Retrieved here too: every caller may have been cancelled.
            run.add_done_callback(_retrieve_exception)
            # Begun already if it started eagerly with nothing to wait for.
            if not run.done() and self._begun is not run:
                self._waiting = run
        try:
            return await asyncio.shield(run)
        except asyncio.CancelledError:
            caller = asyncio.current_task()
            if run.cancelled() and caller is not None and not caller.cancelling():
                raise RunCancelledError(self._name) from None
            raise

    @callback
    def begun(self) -> None:
        """Say, from inside a run, that it has begun: a caller from now on gets the next one.

        Called by any other task (the hourly update's refresh), it changes no caller's run:
        it only records that task, which no caller waits for.
        """
        self._begun = asyncio.current_task()
        if self._waiting is self._begun:
            self._waiting = None

    async def _run_after(self, previous: asyncio.Task[T] | None) -> T:
        if previous is not None:
            await asyncio.wait([previous])
        if not self._begins_itself:
            self.begun()
        return await self._job()
