"""``python -m trainer pipeline``: the whole retraining run, as the trainer container runs it.

generate the training homes if missing → generate evaluation homes of another seed if missing
(a folder holding homes of other settings, or more homes than ``--count``, stops the run:
training reads a whole folder) → train, which scores the compiled model on the evaluation homes
(the evaluate step; its figures land in the results file) → verify the bundle as Home Assistant
loads it → publish it where Home Assistant reads it. Each step is the command of the same name
called with the pipeline's settings, so its progress, figures and errors are the ones a user
knows from running it alone; the first step that fails stops the run with that step's one-line
error and exit code.

Every size knob also reads an environment variable, so the container's default command can be
made small or large without changing it: ``HOME_TYPE_COUNT``, ``HOME_TYPE_DAYS``,
``HOME_TYPE_SEED``, ``HOME_TYPE_MIX``, ``HOME_TYPE_COPIES``, ``HOME_TYPE_BACKEND``, the
publish thresholds ``HOME_TYPE_MIN_ACCURACY`` / ``HOME_TYPE_MIN_MACRO_F1``, and the OpenAI
backend's spending cap ``HOME_TYPE_MAX_COST``, half for the training homes and half for the
evaluation homes (as many of each), so the two steps together stay within it, with the price it
counts at, ``HOME_TYPE_PRICE`` (generate ``--price``), its model, ``HOME_TYPE_OPENAI_MODEL``
(generate ``--model``; the pipeline's ``--model`` is the bundle's path), and the seconds it waits
for a reply, ``HOME_TYPE_OPENAI_TIMEOUT`` (generate ``--timeout``), and the most tokens a reply
may take, ``HOME_TYPE_OPENAI_MAX_REPLY_TOKENS`` (generate ``--max-reply-tokens``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Final

import typer
from rich.markup import escape

from .command_line import (
    DEFAULT_MODEL,
    ENVIRONMENT_ERRORS,
    FolderMismatchError,
    UserError,
    check_folder_output,
    check_model_output,
    console,
    counted,
    homes_folder_flag,
    os_error_text,
    path_option,
    refuse_generated_homes,
    share_option,
)
from .generate.openai_settings import (
    DEFAULT_LLM_MODEL,
    OpenAISettings,
    max_cost_problem,
    parse_price,
    reply_tokens_problem,
    timeout_problem,
)
from .generate.runner import DEFAULT_MIX, GenerationError, allocate_labels, check_size, parse_mix
from .homes_commands import generate
from .model_commands import DEFAULT_PUBLISH_DIR, publish
from .publish import DEFAULT_MIN_ACCURACY, DEFAULT_MIN_MACRO_F1
from .runs import MIN_SAMPLES_LEAF
from .signals import ctrl_c_handled_by
from .training_commands import train

#: Evaluation homes use ``seed + EVAL_SEED_OFFSET`` (42 → 1042, as scripts/train).
EVAL_SEED_OFFSET: Final = 1000
BACKENDS: Final = ("auto", "procedural", "openai")


def _halved_cap_note(step: str, err: UserError, share: float | None,
                     max_cost: float | None, flag: str) -> str:
    """Turn generate's cap advice into the pipeline's: each step was given half of the cap.

    A generate step stopped by ``--max-cost`` names caps of its own half; a user who raised the
    pipeline's cap to one of them would be stopped again.
    """
    from .generate.openai_cost import usd  # only when a run has stopped
    from .generate.spending import CapReached

    if (step != "generate" or share is None or max_cost is None
            or err.exit_code != CapReached.exit_code):
        return ""
    return (f" (The pipeline gives each generate step half of {flag} {usd(max_cost)}: set it "
            "to twice any cap named here.)")


def resolve_backend(requested: str, api_key: str | None) -> tuple[str, str | None]:
    """Choose the generator; add a one-line notice when it is not the obvious one.

    ``auto`` (the container's default) means openai when ``OPENAI_API_KEY`` is set to something,
    procedural otherwise -- docker-compose passes an unset key through as unset, and an empty
    one counts as unset.
    """
    if requested not in BACKENDS:
        raise UserError(f"--backend must be one of {', '.join(BACKENDS)}, not {requested!r}")
    if requested != "auto":
        return requested, None
    if not (api_key or "").strip():
        return "procedural", None
    return "openai", ("notice: OPENAI_API_KEY is set, so an LLM designs the homes "
                      "(--backend procedural stays offline; see docs/openai.md)")


def _verify_in_new_process(model: Path) -> None:
    """Run ``verify`` where scikit-learn was never imported (training imported it here).

    Its process starts with SIGINT ignored: Ctrl-C reaches the terminal's whole process group,
    so the child said "interrupted" and then this process said it again. This one alone stops
    now, and ends the child as it does. (A process group of its own would keep Ctrl-C away
    too, but a terminal set to ``stty tostop`` stops a background group that writes to it.)
    """
    with ctrl_c_handled_by(signal.SIG_IGN):
        child = subprocess.Popen([sys.executable, "-m", "trainer", "verify", str(model)])
    with child:
        try:
            returncode = child.wait()
        except BaseException:
            child.kill()
            raise
    if returncode != 0:
        raise UserError("the bundle failed verification (its error is above)", returncode)


def _check_planned_labels(count: int, days: int, seed: int, mix: str | None) -> None:
    """Refuse a count and mix whose homes train could not split, before any is generated.

    The labels are the ones generate plans (:func:`allocate_labels`), checked by train's rules:
    two types at least, and a type with enough homes for :func:`split_by_home` to hold one out.
    """
    from .dataset import MIN_TYPES, held_out
    from .runs import DEFAULT_TEST_SIZE

    try:
        check_size(count, days)
        weights = parse_mix(mix) if mix is not None else DEFAULT_MIX
    except GenerationError as err:
        raise UserError(str(err)) from None
    homes = Counter(allocate_labels(weights, count, seed))
    if sum(weight > 0 for weight in weights.values()) < MIN_TYPES:
        raise UserError(f"--mix {mix}: training needs homes of at least "
                        f"{MIN_TYPES} types; give {MIN_TYPES} labels a positive weight")
    if len(homes) < MIN_TYPES or not any(held_out(n, DEFAULT_TEST_SIZE) for n in homes.values()):
        raise UserError(
            f"--count {count}: too few homes for training ("
            + ", ".join(f"{n} {label}" for label, n in homes.most_common())
            + f"); it needs {MIN_TYPES} types, and a type with enough homes to hold "
            f"{DEFAULT_TEST_SIZE:.0%} of them out for testing: give a larger --count")


def _as_given(ctx: typer.Context, flag: str) -> str:
    """``flag``, with its environment variable beside it if that gave the value.

    As click's own errors do ("Invalid value for '--count' (env var: 'HOME_TYPE_COUNT')"): the
    container's runs take their settings from docker-compose.yml, whose user never typed the
    flag; one who typed it is not sent looking for a variable they never set.
    """
    for param in ctx.command.params:
        source = ctx.get_parameter_source(param.name) if param.name else None
        if (flag in param.opts and param.envvar
                and getattr(source, "name", None) == "ENVIRONMENT"):
            return f"{flag} (env var: '{param.envvar}')"
    return flag


def _naming_its_variable(ctx: typer.Context, message: str) -> str:
    """An error that starts with an option's flag, the flag as :func:`_as_given` names it."""
    flag = next((opt for param in ctx.command.params for opt in param.opts
                 if message.startswith((f"{opt} ", f"{opt}:"))), None)
    return message if flag is None else _as_given(ctx, flag) + message.removeprefix(flag)


def pipeline(
    ctx: typer.Context,
    count: Annotated[int, typer.Option(
        min=1, metavar="<int>", envvar="HOME_TYPE_COUNT",
        help="Homes to train on, and as many evaluation homes.")] = 100,
    days: Annotated[int, typer.Option(
        min=1, metavar="<int>", envvar="HOME_TYPE_DAYS", help="Days of history per home.")] = 90,
    seed: Annotated[int, typer.Option(
        envvar="HOME_TYPE_SEED", help="Seed of the training homes and the model; evaluation "
                                      f"homes use seed + {EVAL_SEED_OFFSET}.")] = 42,
    mix: Annotated[str | None, typer.Option(
        envvar="HOME_TYPE_MIX", help="Label mix LABEL=WEIGHT,…, weights whole numbers "
        "(default: generate's).")] = None,
    backend: Annotated[str, typer.Option(
        envvar="HOME_TYPE_BACKEND",
        help="auto (openai if OPENAI_API_KEY is set, else procedural), procedural or openai.")
    ] = "auto",
    copies: Annotated[int, typer.Option(
        min=1, metavar="<int>", envvar="HOME_TYPE_COPIES",
        help="Copies of each home per history window: the home itself, then thinned ones "
             "(train --copies).")] = 4,
    min_samples_leaf: Annotated[int, typer.Option(
        min=1, metavar="<int>", envvar="HOME_TYPE_MIN_SAMPLES_LEAF",
        help="Rows a leaf of the forest holds at least (train --min-samples-leaf).")
    ] = MIN_SAMPLES_LEAF,
    data: Annotated[Path, path_option(
        help="Folder for the homes: synthetic_homes/ and synthetic_homes_eval/ in it "
             "(…_llm/ with the openai backend).")] = Path("data"),
    model: Annotated[Path, path_option(
        file=True, help="Where training writes the model bundle (not in --to: it is written "
                        "before publish checks it).")] = DEFAULT_MODEL,
    to: Annotated[Path, path_option(
        "--to", help="Folder to publish to (publish --to).")] = DEFAULT_PUBLISH_DIR,
    min_accuracy: Annotated[float, share_option(
        envvar="HOME_TYPE_MIN_ACCURACY",
        help="publish --min-accuracy (10-day history).")] = DEFAULT_MIN_ACCURACY,
    min_macro_f1: Annotated[float, share_option(
        envvar="HOME_TYPE_MIN_MACRO_F1",
        help="publish --min-macro-f1 (10-day history).")] = DEFAULT_MIN_MACRO_F1,
    max_cost: Annotated[float | None, typer.Option(
        "--max-cost", metavar="USD", envvar="HOME_TYPE_MAX_COST", show_default=False,
        help="openai: dollars designing the homes may cost at most, half for the training "
             "and half for the evaluation homes (generate --max-cost). Default: no cap.")
    ] = None,
    price: Annotated[str | None, typer.Option(
        "--price", metavar="INPUT,OUTPUT", envvar="HOME_TYPE_PRICE", show_default=False,
        help="openai: USD per million input and output tokens, e.g. 0.25,2.00, counted in "
             "place of the assumed price (generate --price). Default: the assumed price.")
    ] = None,
    openai_model: Annotated[str, typer.Option(
        "--openai-model", envvar="HOME_TYPE_OPENAI_MODEL",
        help="openai: the model that designs the homes (generate --model), e.g. the name a "
             "local server behind OPENAI_BASE_URL knows it by.")
    ] = DEFAULT_LLM_MODEL,
    openai_timeout: Annotated[float | None, typer.Option(
        "--openai-timeout", metavar="SECONDS", envvar="HOME_TYPE_OPENAI_TIMEOUT",
        show_default=False,
        help="openai: seconds to wait for a reply before the request is retried (generate "
             "--timeout); raise it for a slow local server. Default: 120, and 120 per 8,000 "
             "tokens of a larger --openai-max-reply-tokens.")
    ] = None,
    openai_max_reply_tokens: Annotated[int, typer.Option(
        "--openai-max-reply-tokens", metavar="TOKENS",
        envvar="HOME_TYPE_OPENAI_MAX_REPLY_TOKENS",
        help="openai: the most tokens a reply may take (generate --max-reply-tokens); raise it "
             "for a reasoning model.")
    ] = OpenAISettings.max_completion_tokens,
) -> None:
    """Generate if missing → train → evaluate → verify → publish: the container's default run."""
    from .dataset import (
        MAX_SEED,
        DatasetError,
        check_copies,
        check_min_samples_leaf,
        check_seed,
    )

    try:
        # What would stop the train step is refused before generating homes for it.
        try:
            check_seed(seed)
            check_copies(copies)
            check_min_samples_leaf(min_samples_leaf)
        except DatasetError as err:
            raise UserError(str(err)) from None
        if seed > MAX_SEED - EVAL_SEED_OFFSET:  # the evaluation homes' seed, generate's too
            raise UserError(f"--seed {seed}: give a whole number from 0 to "
                            f"{MAX_SEED - EVAL_SEED_OFFSET} (the evaluation homes use --seed + "
                            f"{EVAL_SEED_OFFSET})")
        _check_planned_labels(count, days, seed, mix)
        check_model_output(model, "--model")
        check_folder_output(to, "--to")
        refuse_generated_homes(to, "--to")  # before homes are generated, paid for, trained on
        check_folder_output(data, "--data")
        if model.absolute().parent.resolve() == to.absolute().resolve():
            # Training would write the model where Home Assistant reads it, before publish's
            # checks.
            raise UserError(f"--model {model} is in --to {to}, the folder Home Assistant reads: a "
                            "model that fails publish's checks would be live there; train it "
                            f"elsewhere (default {DEFAULT_MODEL})")
        if max_cost is not None and (problem := max_cost_problem(max_cost)):
            raise UserError(problem)
        if openai_timeout is not None and (
                problem := timeout_problem(openai_timeout, "--openai-timeout")):
            raise UserError(problem)
        if problem := reply_tokens_problem(openai_max_reply_tokens,
                                           "--openai-max-reply-tokens"):
            raise UserError(problem)
        if price is not None:
            try:
                parse_price(price)
            except ValueError as err:
                raise UserError(str(err)) from None
        openai_model = openai_model.strip()
        if not openai_model:
            raise UserError("--openai-model must name a model")
        chosen, notice = resolve_backend(backend, os.environ.get("OPENAI_API_KEY"))
    except UserError as err:  # the variable set in docker-compose.yml, not the flag
        raise UserError(_naming_its_variable(ctx, str(err)), err.exit_code) from None
    if notice:
        console.print(notice, highlight=False)
    folder = data / ("synthetic_homes_llm" if chosen == "openai" else "synthetic_homes")
    evaluation = folder.with_name(folder.name + "_eval")
    # Train's and publish's files there would be read as homes, and the next run's generate
    # step refuse the folder -- whose advice, to delete it, would delete a published model.
    homes = ((f"--data ({folder.name})", folder), (f"--data ({evaluation.name})", evaluation))
    if flag := homes_folder_flag(model.parent, homes):
        raise UserError(f"--model {model}: in the homes folder of {flag}, where its "
                        f"_results.json would be read as a home; train it elsewhere (default "
                        f"{DEFAULT_MODEL})")
    if flag := homes_folder_flag(to, homes):
        raise UserError(f"--to {to}: is the homes folder of {flag}, where the model's "
                        "_results.json would be read as a home; publish elsewhere (default "
                        f"{DEFAULT_PUBLISH_DIR})")
    eval_seed = seed + EVAL_SEED_OFFSET
    # The procedural generator costs nothing and asks no model: a cap, price, model, timeout
    # or reply allowance set for when a key is there is ignored.
    share = max_cost / 2 if max_cost is not None and chosen == "openai" else None
    price = price if chosen == "openai" else None
    llm = openai_model if chosen == "openai" else DEFAULT_LLM_MODEL
    timeout = openai_timeout if chosen == "openai" else None
    reply_tokens = (openai_max_reply_tokens if chosen == "openai"
                    else OpenAISettings.max_completion_tokens)
    capped = ""
    if share is not None and max_cost is not None:
        from .generate.openai_cost import usd  # the openai backend's module, loaded for it only

        capped = f", at most {usd(share)} of --max-cost {usd(max_cost)}"
    steps: list[tuple[str, str, Callable[[], None]]] = [
        ("generate", f"training homes ({count} × {counted(days, 'day')}, seed {seed}, "
                     f"{chosen}{capped}) in {folder}",
         lambda: generate(count=count, days=days, seed=seed, output=folder, backend=chosen,
                          mix=mix, model=llm, max_cost=share, price=price, timeout=timeout,
                          max_reply_tokens=reply_tokens)),
        ("generate", f"evaluation homes ({count} × {counted(days, 'day')}, seed {eval_seed}"
                     f"{capped}) in {evaluation}",
         lambda: generate(count=count, days=days, seed=eval_seed, output=evaluation,
                          backend=chosen, mix=mix, model=llm, max_cost=share, price=price,
                          timeout=timeout, max_reply_tokens=reply_tokens)),
        ("train", f"on {folder}, evaluate on {evaluation}",
         lambda: train(synthetic_homes=folder, output=model, evaluation_homes=evaluation,
                       seed=seed, copies=copies, min_samples_leaf=min_samples_leaf)),
        ("verify", f"{model} in a fresh process, as Home Assistant loads it",
         lambda: _verify_in_new_process(model)),
        ("publish", f"to {to}",
         lambda: publish(model, to=to, min_accuracy=min_accuracy, min_macro_f1=min_macro_f1)),
    ]
    for number, (name, detail, run) in enumerate(steps, start=1):
        console.rule(f"[bold]{number}/{len(steps)} {name} {escape(detail)}", align="left")
        try:
            run()
        except FolderMismatchError as err:
            # generate refuses a folder of other homes (train would read them all); the advice
            # is the pipeline's, which has no --overwrite or --output.
            raise UserError(f"step {number}/{len(steps)} ({name}): {err.mismatch.reason}: delete "
                            f"{err.mismatch.folder} to generate it anew with these settings, or "
                            "pass another --data", err.exit_code) from None
        except UserError as err:
            raise UserError(f"step {number}/{len(steps)} ({name}): {err}"
                            + _halved_cap_note(name, err, share, max_cost,
                                               _as_given(ctx, "--max-cost")),
                            err.exit_code) from None
        except OSError as err:  # what a step's own checks left, said as main says it
            if err.errno not in ENVIRONMENT_ERRORS:
                raise
            raise UserError(f"step {number}/{len(steps)} ({name}): {os_error_text(err)}"
                            ) from None
