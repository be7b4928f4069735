"""``generate --backend openai`` on the command line: dry-run plan, key check, progress, exits.

Kept out of ``homes_commands`` so that the ``openai`` SDK is imported only when this backend
runs; every other command starts without it. A run-stopping API answer becomes one ``error:``
line with its own exit code (3 quota, 4 key or permission, 5 request or model, 6 API
unavailable), so does reaching the ``--max-cost`` cap (7); Ctrl-C exits 130, and a missing or
malformed ``OPENAI_API_KEY`` is reported (exit 2) before any request.
"""

from __future__ import annotations

import asyncio
import os
import time
from decimal import Decimal
from pathlib import Path

import typer
from rich.progress import Progress, TaskID

from .command_line import (
    UserError,
    console,
    counted,
    generation_interrupted,
    progress_bar,
    write_failed,
)
from .generate.openai_backend import CUT_OFF, RunSummary, Usage, generate_homes, make_client
from .generate.openai_cost import (
    PRICES_PER_MILLION,
    cost_usd,
    plan_requests,
    price_per_million,
    prompt_tokens,
    usd,
)
from .generate.openai_retry import OpenAIStop, RequestRejected
from .generate.openai_settings import (
    REPLY_TOKENS_FLAGS,
    OpenAISettings,
    base_url_from_environment,
    base_url_problem,
    default_timeout,
    header_safe,
    id_problem,
    max_cost_problem,
    parse_price,
    reply_tokens_problem,
    retry_seconds,
    shown_url,
    timeout_problem,
)
from .generate.runner import (
    GenerationError,
    HomeJob,
    HomeResult,
    homes_to_write,
    pending_unless_busy,
)
from .generate.spending import CapReached, homes_within
from .homes_commands import generation_summary


def openai_settings(model: str, concurrency: int, rpm: int, tpm: int,
                    max_cost: float | None = None, price: str | None = None,
                    timeout: float | None = None,
                    max_reply_tokens: int = OpenAISettings.max_completion_tokens
                    ) -> OpenAISettings:
    """Check the backend's flags and turn them into settings.

    ``timeout`` None (no ``--timeout``) waits as long as the reply allowance calls for.
    """
    if timeout is None:
        timeout = default_timeout(max_reply_tokens)
    elif problem := timeout_problem(timeout):
        raise GenerationError(problem)
    if problem := reply_tokens_problem(max_reply_tokens):
        raise GenerationError(problem)
    for flag, value in (("--concurrency", concurrency), ("--rpm", rpm), ("--tpm", tpm)):
        if value < 1:
            raise GenerationError(f"{flag} must be at least 1")
    model = model.strip()
    if not model:
        raise GenerationError("--model must name a model")
    if problem := base_url_problem(base_url_from_environment()) or id_problem():
        raise GenerationError(problem)
    try:
        per_million = parse_price(price) if price is not None else None
    except ValueError as err:
        raise GenerationError(str(err)) from None
    if max_cost is not None:
        if problem := max_cost_problem(max_cost):
            raise GenerationError(problem)
        if price_per_million(model, per_million) is None:
            raise GenerationError(
                f"--max-cost needs the price of {model!r}, and none is assumed (priced: "
                f"{', '.join(PRICES_PER_MILLION)}): give it as --price INPUT,OUTPUT (USD per "
                "million input and output tokens), or leave --max-cost out for a free or local "
                "server")
    return OpenAISettings(model=model, concurrency=concurrency, rpm=rpm, tpm=tpm,
                          max_cost_usd=max_cost, price=per_million, timeout=timeout,
                          max_retry_seconds=retry_seconds(timeout),
                          max_completion_tokens=max_reply_tokens)


def generate_openai(jobs: list[HomeJob], output: Path, *, overwrite: bool,
                    settings: OpenAISettings, dry_run: bool, days: int) -> None:
    """Plan, check the key, run, and explain how the run ended."""
    todo = pending_unless_busy(jobs, output, overwrite)
    if problem := _allowance_problem(todo, settings):
        raise UserError(problem)
    if dry_run:
        _print_plan(todo, len(jobs), settings, output)
        return
    # Stripped: a key copied with a space, or read from a CRLF .env with its \r, fails as a
    # connection error whose message holds the key, retried six times.
    api_key = os.environ.get("OPENAI_API_KEY", "").strip()
    if todo and not api_key:
        raise UserError("OPENAI_API_KEY is not set: export OPENAI_API_KEY=sk-… (any non-empty "
                        "value for a local server at OPENAI_BASE_URL), or run generate with "
                        "--dry-run to see the plan and its cost without a key")
    if todo and not header_safe(api_key):  # never echo the key
        raise UserError("OPENAI_API_KEY is not a key: it holds a space, a control character "
                        "or a non-ASCII character (the '…' of the placeholder sk-…, say); set "
                        "it to the key itself")
    with homes_to_write(jobs, output, overwrite) as todo:
        _design_homes(todo, len(jobs), output, settings, days, api_key, overwrite=overwrite)


def _design_homes(todo: list[HomeJob], planned: int, output: Path, settings: OpenAISettings,
                  days: int, api_key: str, *, overwrite: bool) -> None:
    """Ask the model for the homes still missing, and explain how the run ended."""
    if len(todo) < planned:
        console.print(f"{planned - len(todo)} of {counted(planned, 'home')} already in "
                      f"{output}; "
                      + ("nothing to do." if not todo else "designing the rest "
                         "(--overwrite regenerates them)."), markup=False)
    if not todo:
        return
    began, started = time.perf_counter(), time.time()
    # Filled in as the run goes: a run that stops still says what it spent.
    summary = RunSummary()
    with progress_bar() as progress:
        reporter = _ProgressReporter(progress, progress.add_task(
            f"homes ({settings.model})", total=len(todo), status=""), summary)
        try:
            asyncio.run(_run_openai(todo, settings, reporter, api_key, summary))
        except (OpenAIStop, KeyboardInterrupt, OSError) as err:
            progress.stop()
            _openai_summary(summary, settings)
            if overwrite:
                _overwrite_note(todo, started)
            raise _stopped(err, output, _written_since(todo, started), len(todo),
                           overwrite=overwrite) from None
        reporter.not_sent(len(summary.not_sent))
    generation_summary(summary.written, output, time.perf_counter() - began, days)
    _openai_summary(summary, settings)
    if overwrite:
        _overwrite_note(todo, started)
    if summary.not_sent:
        raise UserError(_cap_message(summary, settings), CapReached.exit_code)
    if summary.skipped and not summary.written and len(todo) == planned:
        # Every reply unusable, and no home of the run in the folder: the model or server does
        # not answer as asked (one that ignores response_format). Exit 0 let the pipeline pay
        # for its evaluation homes next. A rerun for the few homes skipped before is not that.
        # A home cut off first, if any: the advice is then the allowance's.
        cut_off = {h: why for h, why in summary.skipped.items() if why.startswith(CUT_OFF)}
        home, reason = min((cut_off or summary.skipped).items())
        advice = (f"Raise {REPLY_TOKENS_FLAGS} above {settings.max_completion_tokens:,}, or "
                  "ask a model that does not reason"
                  if cut_off else
                  f"Check that the model {settings.model!r} supports structured outputs "
                  "(json_schema), or try a stronger one")
        raise UserError(f"not one home could be designed: every reply was unusable, even after "
                        f"a repair request ({home}: {reason}). {advice}",
                        RequestRejected.exit_code)


def _allowance_problem(todo: list[HomeJob], settings: OpenAISettings) -> str | None:
    """Say why a request could never be sent within ``--tpm``, or return None.

    OpenAI counts a request as its prompt plus its whole reply allowance, and refuses one above
    the account's tokens-per-minute limit ("Request too large"), which ``--tpm`` stands for.
    """
    if not todo:
        return None
    largest = max(prompt_tokens(job) for job in todo)
    if largest + settings.max_completion_tokens <= settings.tpm:
        return None
    return (f"--max-reply-tokens {settings.max_completion_tokens:,} and a prompt of up to "
            f"~{largest:,} tokens are more than --tpm {settings.tpm:,} allows a request: "
            "OpenAI counts a request's whole reply allowance against the tokens-per-minute "
            f"limit and refuses one above it. Lower {REPLY_TOKENS_FLAGS}, or raise generate's "
            "--tpm if your account's limit is higher")


def _cap_message(summary: RunSummary, settings: OpenAISettings) -> str:
    names = summary.not_sent
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    cap = settings.max_cost_usd or 0.0
    advice = (f"Raise --max-cost above {usd(summary.refused_usd)}, or lower --max-reply-tokens "
              f"(pipeline: --openai-max-reply-tokens; {settings.max_completion_tokens:,}, held "
              "in full until a reply comes): no request fits under less."
              if summary.refused_usd > cap else
              "Run the same command again to design them: the cap counts each run's spend on "
              "its own, and the homes written are kept.")
    why = (f"{usd(summary.spent_usd)} spent, past it: a reply was longer than the "
           f"{settings.max_completion_tokens:,} tokens its request held for it, which the "
           "server did not keep to" if summary.spent_usd > cap else
           f"{usd(summary.spent_usd)} of it used, and the next request, holding "
           f"{usd(summary.refused_usd)} until it answers, could have passed it")
    return (f"stopped at --max-cost {usd(cap)}: {why}, so {counted(len(names), 'home')} "
            f"{'was' if len(names) == 1 else 'were'} not designed ({shown}). {advice}")


def _stopped(err: OpenAIStop | KeyboardInterrupt | OSError, output: Path, written: int,
             planned: int, *, overwrite: bool) -> UserError:
    """The one line a run that did not finish ends with: the API's stop, Ctrl-C, a write."""
    if isinstance(err, OpenAIStop):
        return UserError(f"{err} This run wrote {counted(written, 'new home')} to {output}.",
                         err.exit_code)
    if isinstance(err, KeyboardInterrupt):
        return generation_interrupted(output, written, planned, overwrite=overwrite)
    return UserError(write_failed(output, err, written, planned, overwrite=overwrite))


def _overwrite_note(todo: list[HomeJob], started: float) -> None:
    """After a run with ``--overwrite`` that left homes it did not rewrite: how to pay only once.

    Every way such a run stops (the cap, the quota, Ctrl-C, a skipped home) advised running
    the same command again, and with ``--overwrite`` that designs every home again, paying
    for those just written; at a ``--max-cost`` stop it stopped at the same place again.
    Without ``--overwrite`` a run designs only the homes missing, once the older ones are gone.
    """
    older = [job.path.name for job in todo
             if job.path.exists() and job.path.stat().st_mtime < started]
    if not older:
        return
    shown = ", ".join(older[:3]) + (f" and {len(older) - 3} more" if len(older) > 3 else "")
    console.print(f"note: with --overwrite the same command designs all "
                  f"{counted(len(todo), 'home')} again, those this run wrote too; to design "
                  f"only the rest, delete the {counted(len(older), 'home')} it did not rewrite "
                  f"({shown}) and run it without --overwrite", highlight=False, markup=False,
                  soft_wrap=True)


def _written_since(todo: list[HomeJob], started: float) -> int:
    """Count the homes this run wrote, on disk.

    A write that finished while the run was being cancelled counts too; a file kept from an
    earlier run does not.
    """
    return sum(job.path.exists() and job.path.stat().st_mtime >= started for job in todo)


async def _run_openai(todo: list[HomeJob], settings: OpenAISettings,
                      reporter: _ProgressReporter, api_key: str, summary: RunSummary) -> None:
    async with make_client(settings, api_key=api_key) as client:
        await generate_homes(todo, settings, client, reporter, summary=summary)


class _ProgressReporter:
    """Draws the backend's events: one line per retry, repair or skip, and the bar's status.

    The tokens shown are the run's, from ``summary``: those of skipped homes too, which the
    bar once left out (skipped 3 · 0 tokens, for 20,400 tokens paid).
    """

    def __init__(self, progress: Progress, task: TaskID, summary: RunSummary) -> None:
        self._progress = progress
        self._task = task
        self._summary = summary
        self._retries = 0
        self._skipped = 0
        self._not_sent = 0

    def _line(self, text: str) -> None:
        self._progress.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def _status(self, advance: int = 0) -> None:
        cap = (f" · cap reached: {counted(self._not_sent, 'home')} not designed" if self._not_sent
               else "")
        usage = self._summary.usage
        tokens = usage.prompt_tokens + usage.completion_tokens
        self._progress.update(self._task, advance=advance, status=(
            f"retries {self._retries} · skipped {self._skipped} · {tokens:,} tokens{cap}"))

    def retrying(self, job: HomeJob, attempt: int, wait: float, reason: str) -> None:
        self._retries += 1
        self._line(f"{job.home_id}: {reason}")
        self._status()

    def repairing(self, job: HomeJob, problem: str) -> None:
        self._line(f"{job.home_id}: {problem}; asking once for a repaired design")

    def skipped(self, job: HomeJob, reason: str) -> None:
        self._skipped += 1
        self._line(f"{job.home_id} skipped: {reason}")
        self._status(advance=1)

    def written(self, result: HomeResult, usage: Usage) -> None:
        self._status(advance=1)

    def finishing(self, homes: int) -> None:
        self._line(f"waiting for the {counted(homes, 'home')} already designed to be written")

    def not_sent(self, count: int) -> None:
        """Account for the homes --max-cost kept from being designed.

        They advance the bar as skipped homes do, so it ends full rather than stalled at 22/30
        as if the run had hung, and the status says why; the error line names them.
        """
        if count:
            self._not_sent = count
            self._status(advance=count)


def _per_million(dollars: float) -> str:
    """A price as given: at least cents, and every digit it has ($0.075, not $0.07)."""
    cents = f"{dollars:.2f}"
    return "$" + (cents if float(cents) == dollars else f"{Decimal(repr(dollars)):f}")


def _price_note(settings: OpenAISettings) -> str:
    """Say which price the dollars are counted at, and that it is an assumption or the user's."""
    model = settings.model
    if settings.price is not None:
        return (f"--price for {model}: {_per_million(settings.price[0])} input / "
                f"{_per_million(settings.price[1])} output per million tokens")
    price = PRICES_PER_MILLION.get(model)
    if price is None:
        return f"no price assumed for {model!r}; --price INPUT,OUTPUT gives one"
    return (f"assumed price for {model}: {_per_million(price[0])} input / "
            f"{_per_million(price[1])} output per million tokens; check "
            "https://openai.com/api/pricing")


def _print_plan(todo: list[HomeJob], total: int, settings: OpenAISettings,
                output: Path) -> None:
    """``--dry-run``: every planned request with its estimated tokens, then totals and cost."""
    base_url = base_url_from_environment()
    plans = plan_requests(todo)
    lines = [f"dry run: {counted(len(plans), 'request')} to {settings.model} at "
             f"{shown_url(base_url)}, one "
             f"per home ({total - len(plans)} of {counted(total, 'home')} already in {output}); "
             "nothing is sent."]
    lines += [f"{plan.home_id}  {plan.home_type:<20} ~{plan.prompt_tokens:>6,} input  "
              f"~{plan.completion_tokens:>6,} output tokens" for plan in plans]
    prompt = sum(p.prompt_tokens for p in plans)
    completion = sum(p.completion_tokens for p in plans)
    dollars = cost_usd(settings.model, prompt, completion, settings.price)
    reserved = prompt + len(plans) * settings.max_completion_tokens
    minutes = max(len(plans) / settings.rpm, reserved / settings.tpm)
    lines += [
        f"total: ~{prompt:,} input + ~{completion:,} output tokens (estimated from characters; "
        "repair requests, rare, not included)",
        "cost: " + (f"about {usd(dollars)}" if dollars is not None else "unknown")
        + f" ({_price_note(settings)})",
        f"time: at least {minutes:.1f} min within --rpm {settings.rpm} --tpm {settings.tpm} "
        f"(each request reserves its prompt + {settings.max_completion_tokens:,} reply tokens "
        "of the TPM budget)",
        # Shown: unless --timeout is given, it follows --max-reply-tokens (default_timeout).
        f"wait: up to {settings.timeout:g} s for each reply (--timeout); no new attempt of a "
        f"request starts {settings.max_retry_seconds:g} s after its first",
    ]
    if settings.max_cost_usd is not None:
        fit = homes_within(settings.max_cost_usd, settings.model, plans,
                           settings.max_completion_tokens, settings.price)
        lines.append(
            f"cap: --max-cost {usd(settings.max_cost_usd)} " + (
                "leaves room for every planned home" if fit == len(plans) else
                f"stops the run after about {fit} of {counted(len(plans), 'home')}")
            + f" (each request holds its prompt + {settings.max_completion_tokens:,} reply "
            "tokens of the cap until it answers)")
    typer.echo("\n".join(lines))


def _openai_summary(summary: RunSummary, settings: OpenAISettings) -> None:
    usage = summary.usage
    dollars = cost_usd(settings.model, usage.prompt_tokens, usage.completion_tokens,
                       settings.price)
    console.print(
        f"{counted(usage.requests, 'request')} ({counted(summary.retries, 'retry', 'retries')}), "
        f"{usage.prompt_tokens:,} input "
        f"+ {usage.completion_tokens:,} output tokens"
        + (f", about {usd(dollars)} ({_price_note(settings)})" if dollars is not None
           else "")
        # More than the tokens' price when a request timed out or reported no tokens: those
        # count in full against the cap.
        + (f"; {usd(summary.spent_usd)} of --max-cost {usd(settings.max_cost_usd)} used"
           if settings.max_cost_usd is not None
           # A request that timed out or was cancelled may be billed all the same.
           else f"; up to {usd(summary.spent_usd)}, counting in full the requests whose "
                "tokens are not known (no answer, which may be billed all the same, or none "
                "reported)"
           if dollars is not None and usd(summary.spent_usd) != usd(dollars) else ""),
        highlight=False, markup=False, soft_wrap=True)
    if summary.skipped:
        skipped = len(summary.skipped)
        console.print(
            f"{counted(skipped, 'home')} skipped because the model's design could not be used: "
            f"{', '.join(sorted(summary.skipped))}. Run the same command again to retry "
            f"{'it' if skipped == 1 else 'them'}.", highlight=False, markup=False, soft_wrap=True)
