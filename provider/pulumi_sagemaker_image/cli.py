"""The ``pulumi-sagemaker-image`` command line.

Exit codes: 0 success, 1 the lookup failed (or drift found), 2 invalid input, 3 (``drift``) something
could not be checked; 3 wins over 1 there, so a partial check never looks clean. Errors
are one line on stderr, never a traceback (``--debug`` shows one). Subcommands import what they need
when they run, so ``describe`` pays only for boto3 and pydantic, never for Pulumi.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final, NoReturn, TextIO

from pulumi_sagemaker_image.errors import ImageVersionLookupError, InvalidImageVersionQuery
from pulumi_sagemaker_image.models import VERSION_RULE

PROG: Final = "pulumi-sagemaker-image"
EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_NOT_CHECKED: Final = 3


class CommandError(Exception):
    """A failure a subcommand reports as one line, with its exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the command and pointing at --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _version_arg(text: str) -> int:
    # int() accepts "+3", " 3" and "٣"; the API's Version is a plain ASCII number.
    if not text.isascii() or not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: {VERSION_RULE}")
    return int(text)


def add_aws_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("AWS settings (default: botocore's chain and AWS_* variables)")
    group.add_argument("--region", help="AWS region, e.g. us-east-1 (default: AWS_REGION or the profile's)")
    group.add_argument("--profile", help="AWS profile from ~/.aws/config (default: AWS_PROFILE)")
    group.add_argument("--role-arn", help="IAM role to assume through STS before the lookup")
    group.add_argument(
        "--endpoint-url",
        help="SageMaker endpoint, e.g. an emulator's http://127.0.0.1:PORT (default: AWS_ENDPOINT_URL_SAGEMAKER)",
    )
    group.add_argument(
        "--max-attempts",
        type=int,
        help="total attempts per request, retries included (default: AWS_MAX_ATTEMPTS or 3)",
    )
    group.add_argument("--connect-timeout", type=float, help="seconds to wait for a connection (default: 5)")
    group.add_argument("--read-timeout", type=float, help="seconds to wait for an answer (default: 20)")


def _aws_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "region": args.region,
        "profile": args.profile,
        "role_arn": args.role_arn,
        "endpoint_url": args.endpoint_url,
        "max_attempts": args.max_attempts,
    }
    if args.connect_timeout is not None:
        kwargs["connect_timeout"] = args.connect_timeout
    if args.read_timeout is not None:
        kwargs["read_timeout"] = args.read_timeout
    return kwargs


def _describe(args: argparse.Namespace, out: TextIO) -> int:
    from pulumi_sagemaker_image.lookup import get_image_version, set_warning_handler

    set_warning_handler(args.warn)
    info = get_image_version(
        args.image_name, args.version, args.alias, list_aliases=args.list_aliases, **_aws_kwargs(args)
    )
    data = info.to_json_dict()
    if args.output == "json":
        json.dump(data, out, indent=2)
        out.write("\n")
    else:
        write_table(out, [(key, _cell(value)) for key, value in data.items()])
    return EXIT_OK


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_table(out: TextIO, rows: Sequence[tuple[str, ...]], header: tuple[str, ...] | None = None) -> None:
    """Left-aligned columns; the last column is not padded."""
    table = [header, *rows] if header else list(rows)
    if not table:
        return
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    for row in table:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        out.write("  ".join([*cells, row[-1]]).rstrip() + "\n")


def _emulator(args: argparse.Namespace, out: TextIO) -> int:
    from pulumi_sagemaker_image.testing import SageMakerImageEmulator, SeedError, sample_seed_path

    # The command serves the sample images unless told otherwise, so the examples work against it as
    # they are; the testing API (SageMakerImageEmulator()) stays empty unless given a seed.
    if args.empty:
        seed, serving = None, "no images (create them through the API)"
    elif args.seed:
        seed, serving = args.seed, f"the images of {args.seed}"
    else:
        seed, serving = str(sample_seed_path()), "the sample images (--seed FILE for yours, --empty for none)"
    try:
        emulator = SageMakerImageEmulator(seed, host=args.host, port=args.port, region=args.region)
    except SeedError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    try:
        emulator.start()
    except OSError as exc:
        raise CommandError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror}; pick another --port (0 picks a free one)"
        ) from None
    inventory = emulator.store.inventory()
    out.write(
        f"SageMaker image emulator listening on {emulator.endpoint_url} (region {emulator.region}).\n"
        f"Serving {serving}{':' if inventory else '.'}\n"
    )
    write_table(out, [("  " + name, *_inventory_cells(versions, aliases)) for name, versions, aliases in inventory])
    out.write(
        f"Point clients at it with: export AWS_ENDPOINT_URL_SAGEMAKER={emulator.endpoint_url}\nPress Ctrl+C to stop.\n"
    )
    out.flush()
    emulator.serve_forever()
    return EXIT_OK


def _inventory_cells(versions: list[int], aliases: dict[str, int]) -> tuple[str, str]:
    if not versions:
        numbers = "no versions"
    elif versions == list(range(versions[0], versions[-1] + 1)) and len(versions) > 1:
        numbers = f"versions {versions[0]}-{versions[-1]}"
    else:
        numbers = ("version " if len(versions) == 1 else "versions ") + ", ".join(map(str, versions))
    named = ", ".join(f"{alias} -> {number}" for alias, number in aliases.items())
    return numbers, f"aliases {named}" if named else ""


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from pathlib import Path

    from pulumi_sagemaker_image.demo import DemoError, run_demo

    try:
        run_demo(out, library=args.library, pulumi=Path(args.pulumi) if args.pulumi else None)
    except DemoError as exc:
        # The engine's own words are the useful part here, so they keep their lines.
        out.flush()
        sys.stderr.write(f"{PROG}: error: the demo stopped: {exc}\n")
        return EXIT_FAILED
    return EXIT_OK


def _schema(args: argparse.Namespace, out: TextIO) -> int:
    from pathlib import Path

    from pulumi_sagemaker_image.schema import DEFAULT_PLUGIN_DOWNLOAD_URL, render_schema

    text = render_schema(args.plugin_download_url or DEFAULT_PLUGIN_DOWNLOAD_URL)
    if args.check:
        target = Path(args.output or "schema.json")
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            raise CommandError(f"{target} is out of date with the models; regenerate it with `make schema`")
        out.write(f"{target} is up to date\n")
    elif args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
        out.write(f"wrote {args.output}\n")
    else:
        out.write(text)
    return EXIT_OK


def _drift_sources(args: argparse.Namespace) -> tuple[Iterator[Any], str, bool]:
    """The stacks to read, what to call them when they hold nothing, and whether they are one named export.

    One export named on the command line is the user's input: unreadable, it is bad usage (exit 2), as
    before. Among several stacks, an unreadable one is a could-not-check row and the rest are checked.
    """
    from pulumi_sagemaker_image import backends

    files: list[str] = args.state
    if (args.backend or args.pulumi) and files:
        raise CommandError("give FILE arguments, --backend URL or --pulumi, not several of them", EXIT_USAGE)
    if args.backend:
        return backends.open_backend(args.backend), args.backend, False
    if args.pulumi:
        return backends.pulumi_stacks(), "pulumi", False
    files = files or ["-"]
    single = len(files) == 1 and (files[0] == "-" or not os.path.isdir(files[0]))
    where = "standard input" if files == ["-"] else files[0]
    return backends.export_files(files, sys.stdin.buffer.read), where, single


def _drift(args: argparse.Namespace, out: TextIO) -> int:
    from pulumi_sagemaker_image import backends, reports
    from pulumi_sagemaker_image.drift import STACK_TABLE_HEADER, TABLE_HEADER, DriftRun, check_stacks, table_rows
    from pulumi_sagemaker_image.lookup import set_warning_handler

    set_warning_handler(args.warn)
    try:
        wanted = [reports.parse_report_option(text) for text in args.report]
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    progress = _Progress(args.err, enabled=args.progress if args.progress is not None else args.err.isatty())
    run = DriftRun(default_region=args.region, progress=progress.update)
    try:
        entries, where, single = _drift_sources(args)
        check_stacks(entries, run, globs=args.stack, strict=single)
    except backends.StackReadError as exc:
        run.close()
        raise CommandError(str(exc), EXIT_USAGE) from None
    except backends.BackendError as exc:
        run.close()
        raise CommandError(str(exc), EXIT_USAGE if exc.usage else EXIT_NOT_CHECKED) from None
    except BaseException:
        run.close()
        raise
    if args.stack and not run.stacks_read:
        run.close()
        raise CommandError(f"no stack matches --stack {' --stack '.join(args.stack)}", EXIT_USAGE)
    report = run.finish()
    progress.done()

    for fmt, path in wanted:
        try:
            reports.write_report(fmt, path, report)
        except OSError as exc:
            raise CommandError(f"cannot write the {fmt} report to {path}: {exc.strerror}", EXIT_USAGE) from None
    if args.output == "json":
        out.write(reports.render_json(report))
    elif not report.results:
        out.write(f"no ImageVersion resources in {where if single else f'{len(report.stacks)} stacks'}\n")
    else:
        # One export shows the table as it always did; several stacks add whose each row is.
        write_table(out, table_rows(report, with_stack=not single), TABLE_HEADER if single else STACK_TABLE_HEADER)
    code = report.exit_code
    if code != EXIT_OK or progress.enabled:
        args.err.write(f"{PROG}: {report.summary()}\n")
    return code


class _Progress:
    """Progress on stderr while stacks are read and questions answered: on a terminal, or with --progress.

    On a terminal one line is rewritten in place; otherwise (``--progress`` into a CI log) a line is
    written at most every few seconds, so a long run is never silent and a log is not flooded.
    """

    def __init__(self, err: TextIO, *, enabled: bool) -> None:
        import threading
        import time

        self.err = err
        self.enabled = enabled
        self._tty = err.isatty()
        self._clock = time.monotonic
        self._last = 0.0
        self._text = ""
        self._lock = threading.Lock()

    def update(self, stacks: int, resolved: int, found: int) -> None:
        if not self.enabled:
            return
        now = self._clock()
        with self._lock:
            self._text = f"drift: {stacks} stacks read, {resolved} of {found} questions resolved"
            if now - self._last < (0.1 if self._tty else 5.0):
                return
            self._last = now
            self.err.write(f"\r{self._text}\033[K" if self._tty else f"{self._text}\n")
            self.err.flush()

    def done(self) -> None:
        if self.enabled:
            with self._lock:
                self.err.write(f"\r{self._text}\033[K\n" if self._tty else f"{self._text}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog=PROG,
        description="Resolve Amazon SageMaker image versions and check Pulumi stacks for drift.",
    )
    parser.add_argument("--debug", action="store_true", help="show a traceback when a command fails")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_OneLineParser)

    describe = commands.add_parser(
        "describe",
        help="resolve an image version (latest, a version, or an alias) and print every field",
        description="Resolve an image version with DescribeImageVersion and ListAliases (--no-aliases: without).",
    )
    describe.add_argument("image_name", metavar="IMAGE_NAME")
    selector = describe.add_mutually_exclusive_group()
    selector.add_argument("--version", type=_version_arg, help="the version number (default: latest)")
    selector.add_argument("--alias", help="an alias of the version, e.g. stable")
    describe.add_argument("--output", choices=("json", "table"), default="table", help="output format")
    describe.add_argument(
        "--no-aliases",
        dest="list_aliases",
        action="store_false",
        help="skip ListAliases: one request, `aliases` left empty; needs only sagemaker:DescribeImageVersion",
    )
    add_aws_arguments(describe)
    describe.set_defaults(handler=_describe)

    emulator = commands.add_parser(
        "emulator",
        help="run the local SageMaker image API emulator (serves sample images unless --seed or --empty)",
        description="Serve the SageMaker image API on loopback until interrupted. Without --seed or --empty it "
        "serves the sample images demo-pytorch (versions 1-4, aliases legacy, stable, canary) and demo-sklearn.",
    )
    emulator.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    served = emulator.add_mutually_exclusive_group()
    served.add_argument(
        "--seed",
        metavar="FILE",
        help="serve the images, versions and faults of this JSON or YAML file instead of the sample images",
    )
    served.add_argument("--empty", action="store_true", help="serve no images instead of the sample images")
    emulator.add_argument("--region", default="us-east-1", help="region used in ARNs (default: us-east-1)")
    emulator.set_defaults(handler=_emulator)

    demo = commands.add_parser(
        "demo",
        help="run pulumi up / preview / drift on a throwaway stack against the emulator's sample images",
        description="Start the emulator with the sample images, deploy the pin-image example to a throwaway "
        "stack on a local file backend, move the alias, and show `pulumi preview --expect-no-changes` and "
        "`drift` catching it; then remove everything. Needs a Pulumi CLI (on PATH, or built into .tools/bin "
        "of a source checkout, which the demo does itself when Go is there); without one it shows the library "
        "alone.",
    )
    engine = demo.add_mutually_exclusive_group()
    engine.add_argument("--pulumi", metavar="PATH", help="the Pulumi CLI to run (default: found or built)")
    engine.add_argument("--library", action="store_true", help="show the library alone, without Pulumi")
    demo.set_defaults(handler=_demo)

    schema = commands.add_parser(
        "schema",
        help="print or write the Pulumi package schema generated from the models",
        description="Generate schema.json (package sagemaker-image) from the code's models.",
    )
    schema.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    schema.add_argument("--check", action="store_true", help="fail if FILE (default schema.json) differs")
    schema.add_argument(
        "--plugin-download-url",
        metavar="URL",
        help="where the engine downloads the plugin archives from (default: the release page, "
        "github://api.github.com/pulumi-sagemaker-image)",
    )
    schema.set_defaults(handler=_schema)

    drift = commands.add_parser(
        "drift",
        help="re-resolve every ImageVersion in exported state, a backend's stacks or every stack; exit 1 on drift",
        description="Compare what each ImageVersion in Pulumi state resolves to now with what state holds, "
        "across any number of stacks, asking each distinct question once. Exit 0: everything checked, no "
        "drift. 1: drift found. 2: bad usage. 3: something could not be checked (an unreadable stack, a "
        "failed lookup, an encrypted secret); 3 wins over 1, so a partial check never looks clean, and the "
        "summary on stderr names both.",
    )
    drift.add_argument(
        "state",
        nargs="*",
        metavar="FILE",
        help="`pulumi stack export` files or folders of them (*.json, *.json.gz); - for stdin (the default)",
    )
    source = drift.add_mutually_exclusive_group()
    source.add_argument(
        "--backend",
        metavar="URL",
        help="every stack of a self-managed backend, read directly: file://DIR or "
        "s3://BUCKET/PREFIX?region=&endpoint=&profile=&s3ForcePathStyle=true",
    )
    source.add_argument(
        "--pulumi",
        action="store_true",
        help="every stack the `pulumi` on PATH lists under its login, exported with --show-secrets "
        "(values stay in this process and are shown as [secret])",
    )
    drift.add_argument(
        "--stack",
        action="append",
        default=[],
        metavar="GLOB",
        help="only stacks whose project/stack (or org/project/stack) matches; repeatable",
    )
    drift.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="FORMAT=PATH",
        help="also write a report: json, junit, sarif or markdown (repeatable)",
    )
    drift.add_argument("--output", choices=("table", "json"), default="table", help="format on stdout")
    drift.add_argument("--region", help="region for resources whose state names none (default: AWS_REGION)")
    shown = drift.add_mutually_exclusive_group()
    shown.add_argument(
        "--progress", action="store_true", default=None, help="show progress on stderr (default: on a terminal)"
    )
    shown.add_argument("--no-progress", dest="progress", action="store_false", help="never show progress")
    drift.set_defaults(handler=_drift)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    # Lookup warnings (a denied ListAliases) are one line on stderr, like errors; the result still prints.
    args.err = err
    args.warn = lambda text: err.write(f"{PROG}: warning: {' '.join(text.split())}\n")
    handler: Callable[[argparse.Namespace, TextIO], int] = args.handler
    try:
        return handler(args, out)
    except InvalidImageVersionQuery as exc:
        return _fail(err, args, exc, EXIT_USAGE)
    except ImageVersionLookupError as exc:
        return _fail(err, args, exc, EXIT_FAILED)
    except CommandError as exc:
        return _fail(err, args, exc, exc.exit_code)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the promise is: no traceback unless --debug
        return _fail(
            err,
            args,
            exc,
            EXIT_FAILED,
            prefix=f"unexpected {type(exc).__name__} (a bug; --debug shows where): ",
        )


def _fail(err: TextIO, args: argparse.Namespace, exc: BaseException, code: int, prefix: str = "") -> int:
    if args.debug:
        import traceback

        traceback.print_exception(exc, file=err)
    message = " ".join(str(exc).split())  # one line, whatever the exception text holds
    err.write(f"{PROG}: error: {prefix}{message}\n")
    return code


def run() -> NoReturn:
    """The console script's entry point: :func:`main` in a process that ends right after it."""
    code = main()
    # At exit the interpreter's final collections walk every object main() created (botocore's service
    # model alone is hundreds of thousands): ~100 ms of start-up-sized cost for memory the OS reclaims
    # anyway. Frozen objects are skipped; atexit handlers and stream flushing still run.
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
