"""`make mutation`: mutation testing of the modules that decide what an ImageVersion is.

Cosmic Ray mutates one module at a time and runs that module's fast (non-e2e) tests against each
mutant. Each module runs in its own copy of the working tree under ``.mutation/`` (Cosmic Ray edits the
file it mutates in place, and other work goes on in the real tree), with ``PYTHONPATH`` pointing at the
copy so that every Python process a test starts (the CLI, the provider host) runs the mutant too.

The report is a per-module score: killed / (mutants - equivalent). A surviving mutant is either
killed by a new test or listed as equivalent in docs/testing.md ("Surviving mutants"); this script
matches survivors against that list by file and by the changed code, and exits 1 while any survivor is
unexplained, any listed survivor no longer survives, or any module scores under the goal.

    python tools/mutation.py                 # every module, two at a time
    python tools/mutation.py -m drift -j 1   # one module
    python tools/mutation.py --report        # print the last run's report again
    python tools/mutation.py --resume -m lookup   # finish a run that was interrupted
    python tools/mutation.py --recheck       # also run the mutants listed as equivalent

Mutants docs/testing.md lists as equivalent are not run again by default (they survive every test, so
each would cost its module's whole test list): they count as the surviving equivalents they were found
to be. A listed mutant whose code changed no longer matches its row, so it runs; ``--recheck`` runs them
all, which tells whether every listed mutant still survives.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import glob
import importlib
import json
import os
import re
import resource
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

REPO: Final = Path(__file__).resolve().parent.parent
STAGE: Final = REPO / ".mutation"
PACKAGE: Final = "provider/pulumi_sagemaker_image"
DOC: Final = REPO / "docs" / "testing.md"
GOAL: Final = 0.90

# A mutant's test run may take this many times the unmutated run before it counts as hanging (which
# Cosmic Ray reports as killed); never less than the floor, so a loaded machine does not kill by timeout.
TIMEOUT_FACTOR: Final = 5.0
TIMEOUT_FLOOR: Final = 90.0

# Hypothesis runs derandomized, without its example database and without deadlines, so one mutant is
# judged the same way in every run and a slow moment on a shared machine is not a kill.
HYPOTHESIS_PLUGIN: Final = '''"""Loaded by `make mutation` (pytest -p): deterministic Hypothesis, no deadlines."""

from hypothesis import settings

settings.register_profile("mutation", derandomize=True, database=None, deadline=None)
settings.load_profile("mutation")
'''

# Every mutant's tests run in a process forked from a server that has already imported the libraries the
# tests use (pytest, Hypothesis, Pulumi, grpc, botocore, pydantic): about 3 s of CPU that a fresh
# interpreter pays per mutant. The server never imports this package or the tests, so each fork imports
# the mutated module from disk. Cosmic Ray's test command is this client; it exits with pytest's code.
PRELOAD: Final = (
    "pytest",
    "_pytest.python",
    "hypothesis",
    "hypothesis.strategies",
    "grpc",
    "google.protobuf.struct_pb2",
    "pulumi",
    "pulumi.dynamic",
    "pulumi.runtime",
    "pulumi.runtime.proto.provider_pb2_grpc",
    "boto3",
    "botocore.session",
    "botocore.client",
    "botocore.stub",
    "pydantic",
    "yaml",
    "jsonschema",
)
FORK_CLIENT: Final = '''"""The test command Cosmic Ray runs: pytest in the fork server; exits with its code."""

import json
import socket
import sys

connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
connection.connect(sys.argv[1])
connection.sendall((json.dumps(sys.argv[2:]) + "\\n").encode())
answer = connection.makefile().readline().strip()
sys.exit(int(answer) if answer else 1)
'''


# Mutation operators left out (regular expressions on Cosmic Ray's operator names):
# - `is`/`is not` for `==`/`!=` and back: on the values these modules compare (None, interned strings,
#   small ints) CPython gives the same answer, so nearly every such mutant would be equivalent.
# - all but one replacement of each arithmetic operator (selective mutation): `a + b` becomes `a - b`,
#   not also `a * b`, `a ** b`, `a << b` and seven more, which die the same way and only cost time.
KEPT_BINARY_REPLACEMENTS: Final = (
    "Add_Sub",
    "Sub_Add",
    "Mul_Div",
    "Div_Mul",
    "FloorDiv_Mul",
    "Mod_FloorDiv",
    "Pow_Mul",
    "BitOr_BitAnd",
    "BitAnd_BitOr",
    "BitXor_BitOr",
    "LShift_RShift",
    "RShift_LShift",
)
EXCLUDED_OPERATORS: Final = (
    r"core/ReplaceComparisonOperator_(Eq_Is|NotEq_IsNot|Is_Eq|IsNot_NotEq)$",
    rf"core/ReplaceBinaryOperator_(?!({'|'.join(KEPT_BINARY_REPLACEMENTS)})$)",
)


class RunError(Exception):
    """A module's run could not start or finish; the others go on."""


@dataclass(frozen=True)
class Module:
    """One module under mutation and the tests that judge its mutants (first the fastest to fail)."""

    name: str
    tests: tuple[str, ...]
    # Only these top-level functions and classes are mutated (all of the module when both are empty).
    functions: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    # Tests of those files that judge something else (pytest node IDs).
    deselect: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return f"{PACKAGE}/{self.name.split(':')[0]}"

    @property
    def file(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def stem(self) -> str:
        """How ``-m`` and the rules test file name it: ``lookup``, ``servicer`` (for plugin/_servicer.py)."""
        return self.file.removesuffix(".py").lstrip("_")

    @property
    def test_files(self) -> list[str]:
        return _existing_tests((f"tests/test_rules_{self.stem}.py", *self.tests))

    @property
    def slug(self) -> str:
        return self.name.replace(".py", "").replace(":", "-").replace("/", "-")


# Largest first, so that parallel runs end close together. Each module's tests start with its own
# tests/test_rules_<module>.py when there is one (rules no other test file pins down).
MODULES: Final = (
    Module(
        "models.py",
        (
            "tests/test_lookup_stubbed.py",
            "tests/test_query_validation.py",
            "tests/test_lookup_emulator.py",
            "tests/test_dynamic_provider.py",
        ),
    ),
    Module(
        "semantics.py",
        (
            # Secret inputs through check, read, record, the invoke and the diff of secretness.
            "tests/test_rules_secrecy.py",
            "tests/test_dynamic_provider.py",
            "tests/test_prefetch.py",
            "tests/test_program_mocks.py",
            # The plugin's tests of these rules; not its transport's (schema, cancel, exit, retries).
            *(
                f"tests/test_plugin_grpc.py::test_{name}"
                for name in (
                    "invoke_returns_every_output_with_one_lookup",
                    "invoke_bad_input_fails_on_the_property_without_a_request",
                    "invoke_not_found_is_the_python_message_on_the_selector",
                    "invoke_aws_errors_are_the_python_message",
                    "invoke_reports_any_status_like_get_image_version",
                    "bad_invoke_inputs_fail_on_their_property_and_send_nothing",
                    "resource_lifecycle",
                    "bookkeeping_alone_is_not_drift",
                    "a_held_pin_keeps_its_version_and_warns_with_the_urn",
                    "bad_inputs_fail_check_on_their_property_without_a_request",
                    "guardrails_fail_the_check_on_the_selector",
                    "unknown_inputs_are_not_looked_up",
                    "read_by_id_with_settings_from_the_provider_config",
                    "read_of_a_vanished_version_fails_instead_of_dropping_the_resource",
                    "settings_come_from_the_input_then_the_config_then_the_environment",
                    "bad_provider_config_fails_check_config",
                    "the_engines_own_config_keys_are_accepted",
                )
            ),
        ),
    ),
    # Which values are secret: its rules file (tests/test_rules_secrecy.py) pins every rule down; the
    # transports' secret tests start a plugin or a provider host per test, too slow to run per mutant.
    Module("secrecy.py", ()),
    Module("drift.py", ("tests/test_drift_command.py", "tests/test_drift_stacks.py")),
    # Drift across stacks: where stacks are read from, and the reports CI reads.
    Module("reports.py", ("tests/test_rules_reports.py", "tests/test_drift_stacks.py")),
    Module("backends.py", ("tests/test_drift_stacks.py", "tests/test_drift_s3.py")),
    Module("state.py", ("tests/test_rules_drift.py", "tests/test_dynamic_provider.py", "tests/test_prefetch.py")),
    Module("prefetch.py", ("tests/test_prefetch.py", "tests/test_program_mocks.py")),
    Module(
        "guardrails.py",
        ("tests/test_dynamic_provider.py", "tests/test_program_mocks.py", "tests/test_guardrails.py"),
    ),
    # The drift command's own code; the argument parser and the error handling around every command
    # are shared with the other commands and stay out of this list.
    Module(
        "cli.py:drift",
        ("tests/test_rules_drift.py", "tests/test_drift_command.py"),
        functions=("_drift", "_drift_sources", "write_table"),
    ),
    Module(
        "dynamic_provider.py",
        ("tests/test_dynamic_provider.py", "tests/test_prefetch.py", "tests/test_program_mocks.py"),
    ),
    # What users see when AWS is involved: settings, credential chains, role assumption, the translation
    # of botocore's errors into messages, retries. Stubbed and emulator tests first (each a few ms),
    # then the credential chains against the emulator's STS, then the reliability suites.
    Module(
        "lookup.py",
        (
            "tests/test_lookup_stubbed.py",
            "tests/test_lookup_emulator.py",
            "tests/test_credential_chains.py",
            "tests/test_least_privilege.py",
            # The settings' validation and the messages users hit; not the generated bad queries (the
            # models' rules, judged with models.py).
            *(
                f"tests/test_reliability_errors.py::test_{name}"
                for name in (
                    "errors_users_hit_say_what_to_do",
                    "access_denied_carries_the_action_and_resource",
                    "check_path_bad_region_profile_role",
                    "check_path_bad_endpoint_urls",
                    "cli_bad_settings_exit_2_in_one_line",
                )
            ),
            # Retries: the budget, and the attempts reported; slowest (read and connect timeouts) last.
            "tests/test_reliability_faults.py::test_attempts_reported_are_attempts_made_when_botocore_stops_retrying",
            "tests/test_reliability_faults.py::test_fault_burst",
            "tests/test_reliability_faults.py::test_a_connect_that_never_completes_is_bounded_by_connect_timeout",
        ),
    ),
    # The plugin's protocol decisions (which calls look up, what each answers, Cancel, the provider
    # config, gRPC status codes and messages), judged by the plugin tests over gRPC: not the Struct
    # conversions and the schema file's reading (transport plumbing), nor the tests of the plugin's process
    # (handshake, exit), of the lookup's retries and of the rules' generated bad inputs, which judge other
    # modules and cost a minute a mutant.
    Module(
        "plugin/_servicer.py",
        tuple(
            f"tests/test_plugin_grpc.py::test_{name}"
            for name in (
                "resource_lifecycle",
                "invoke_returns_every_output_with_one_lookup",
                "another_type_is_refused",
                "invoke_bad_input_fails_on_the_property_without_a_request",
                "invoke_not_found_is_the_python_message_on_the_selector",
                "invoke_aws_errors_are_the_python_message",
                "bad_inputs_fail_check_on_their_property_without_a_request",
                "unknown_inputs_are_not_looked_up",
                "read_by_id_with_settings_from_the_provider_config",
                "read_of_a_vanished_version_fails_instead_of_dropping_the_resource",
                "bookkeeping_alone_is_not_drift",
                "a_held_pin_keeps_its_version_and_warns_with_the_urn",
                "guardrails_fail_the_check_on_the_selector",
                "settings_come_from_the_input_then_the_config_then_the_environment",
                "bad_provider_config_fails_check_config",
                "the_engines_own_config_keys_are_accepted",
                "other_methods_answer_unimplemented",
                "plugin_info_is_the_package_version",
                "get_schema_serves_the_generated_schema_json",
                "a_denied_list_aliases_warns_the_engine_once_and_the_invoke_still_resolves",
                "invoke_reports_any_status_like_get_image_version",
                "cancel_ends_in_flight_lookups_and_refuses_new_ones",
                "a_call_the_engine_cancels_returns_at_once",
            )
        ),
        classes=("_Lookups", "ImageVersionProviderServicer"),
        functions=("_abort", "_kind", "_name_of", "_type_of", "is_unknown"),
    ),
)


@dataclass(frozen=True)
class Mutant:
    module: str
    file: str
    line: int
    operator: str
    outcome: str  # killed, survived, error, pending
    before: str
    after: str

    @property
    def signature(self) -> tuple[str, str, str]:
        return (self.file, self.before, self.after)


@dataclass
class Score:
    module: str
    killed: int = 0
    survived: int = 0
    equivalent: int = 0
    errors: int = 0
    pending: int = 0
    seconds: float | None = None
    unexplained: list[Mutant] = field(default_factory=list)

    @property
    def mutants(self) -> int:
        return self.killed + self.survived + self.errors + self.pending

    @property
    def score(self) -> float:
        judged = self.mutants - self.equivalent
        return self.killed / judged if judged else 1.0


def _existing_tests(patterns: Iterable[str]) -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        if "::" in pattern:  # one test (pytest node ID), kept when its file exists
            if (REPO / pattern.split("::", 1)[0]).exists() and pattern not in found:
                found.append(pattern)
            continue
        for path in sorted(glob.glob(pattern, root_dir=REPO)):
            if path not in found:
                found.append(path)
    return found


def _function_lines(source: str, names: Sequence[str], classes: Sequence[str] = ()) -> list[str]:
    """The line ranges of the named top-level functions and classes (decorators included)."""
    kinds: list[tuple[type | tuple[type, ...], Sequence[str], str]] = [
        ((ast.FunctionDef, ast.AsyncFunctionDef), names, "functions"),
        (ast.ClassDef, classes, "classes"),
    ]
    lines: list[str] = []
    for kind, wanted, label in kinds:
        found = [node for node in ast.parse(source).body if isinstance(node, kind)]
        for node in found:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name in wanted:
                first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
                lines.append(f"{first}-{node.end_lineno}")
        missing = set(wanted) - {getattr(node, "name", "") for node in found}
        if missing:
            raise RunError(f"{label} {sorted(missing)} not found; update MODULES in {__file__}")
    return lines


Position = tuple[int, int]  # (line from 1, column in characters from 0), as Cosmic Ray records them


def _operator_gaps(source: str) -> tuple[list[tuple[Position, Position]], list[tuple[Position, Position]]]:
    """Where annotations are, and where the operators of real binary and unary operations sit.

    Cosmic Ray also "mutates" the ``|`` of ``str | None`` annotations (never evaluated here: every
    module has ``from __future__ import annotations``) and the ``*``/``**`` of ``def f(*, x)``,
    ``f(**kwargs)`` and ``{**a}``, none of which is an operation: such mutants are skipped.
    """
    lines = source.splitlines()

    def at(line: int, byte_column: int) -> Position:
        return (line, len(lines[line - 1].encode()[:byte_column].decode()))

    annotations: list[tuple[Position, Position]] = []
    operators: list[tuple[Position, Position]] = []
    for node in ast.walk(ast.parse(source)):
        notes: list[ast.expr | None] = []
        if isinstance(node, ast.arg | ast.AnnAssign):
            notes.append(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            notes.append(node.returns)
        for note in notes:
            if note is not None and note.end_lineno is not None and note.end_col_offset is not None:
                annotations.append((at(note.lineno, note.col_offset), at(note.end_lineno, note.end_col_offset)))
        if isinstance(node, ast.BinOp) and node.left.end_lineno is not None and node.left.end_col_offset is not None:
            operators.append(
                (at(node.left.end_lineno, node.left.end_col_offset), at(node.right.lineno, node.right.col_offset))
            )
        if isinstance(node, ast.UnaryOp):
            operators.append((at(node.lineno, node.col_offset), at(node.operand.lineno, node.operand.col_offset)))
    return annotations, operators


def _skip_non_code(work: Path, module: Module) -> int:
    """Mark the session's mutants that change no operation (see :func:`_operator_gaps`) as skipped."""
    from cosmic_ray.work_db import WorkDB, use_db  # type: ignore[import-untyped]
    from cosmic_ray.work_item import WorkerOutcome, WorkResult  # type: ignore[import-untyped]

    annotations, operators = _operator_gaps((work / module.path).read_text(encoding="utf-8"))

    def not_code(mutation: Any) -> bool:
        start: Position = (int(mutation.start_pos[0]), int(mutation.start_pos[1]))
        if any(first <= start < last for first, last in annotations):
            return True
        name = str(mutation.operator_name)
        if name.startswith(("core/ReplaceBinaryOperator_", "core/ReplaceUnaryOperator_")):
            return not any(first <= start < last for first, last in operators)
        return False

    with use_db(str(work / "session.sqlite"), WorkDB.Mode.open) as db:
        skipped = [item.job_id for item in db.pending_work_items if any(not_code(m) for m in item.mutations)]
        if skipped:
            result = WorkResult(output="Filtered: not an operation", worker_outcome=WorkerOutcome.SKIPPED)
            db.set_multiple_results(skipped, result)
    return len(skipped)


# The output recorded for a mutant docs/testing.md lists as equivalent, which a run does not test again.
LISTED: Final = "Listed as equivalent in docs/testing.md: not run (--recheck runs it)"


def _skip_listed(work: Path, module: Module) -> int:
    """Record the session's mutants that docs/testing.md explains as equivalent, without running them.

    An equivalent mutant survives every test by definition, so running it costs the module's whole
    test list for nothing; these make most of a run's time. A mutant is matched the way the report
    matches survivors (file, code before, code after), so one whose code changed runs again; ``--recheck``
    runs them all, to see that each listed mutant still survives.
    """
    import cosmic_ray.plugins  # type: ignore[import-untyped]
    from cosmic_ray.mutating import _make_diff, mutate_code  # type: ignore[import-untyped]
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

    equivalents = explained()
    source = (work / module.path).read_text(encoding="utf-8")
    listed = 0
    with use_db(str(work / "session.sqlite"), WorkDB.Mode.open) as db:
        for item in list(db.pending_work_items):
            (mutation,) = item.mutations
            operator = cosmic_ray.plugins.get_operator(mutation.operator_name)()
            mutated = mutate_code(source, operator, mutation.occurrence)
            if mutated is None:
                continue
            diff = "\n".join(_make_diff(source, mutated, mutation.module_path))
            if (module.file, *_changed_lines(diff)) in equivalents:
                result = WorkResult(
                    output=LISTED, diff=diff, test_outcome=TestOutcome.SURVIVED, worker_outcome=WorkerOutcome.SKIPPED
                )
                db.set_result(item.job_id, result)
                listed += 1
    return listed


def _toml(value: object) -> str:
    # Cosmic Ray's config is a handful of strings, numbers and lists: JSON literals are valid TOML for them.
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def _stage(module: Module) -> Path:
    """A fresh copy of what the tests need, private to this module's run."""
    work = STAGE / module.slug
    shutil.rmtree(work, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    shutil.copytree(REPO / "provider", work / "provider", ignore=ignore)
    shutil.copytree(REPO / "tests", work / "tests", ignore=ignore)
    for name in ("pyproject.toml", "schema.json", "Makefile"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, work / name, follow_symlinks=False)
    (work / "mutation_hypothesis.py").write_text(HYPOTHESIS_PLUGIN, encoding="utf-8")
    (work / "fork_client.py").write_text(FORK_CLIENT, encoding="utf-8")
    return work


def _pytest_args(tests: Sequence[str]) -> list[str]:
    return [
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "mutation_hypothesis",
        "-m",
        "not e2e",
        *tests,
    ]


def _environment(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The copy comes before the editable install's path entry, in pytest and in every process it starts.
    env["PYTHONPATH"] = os.pathsep.join([str(work / "provider"), str(work)])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def serve(path: str) -> None:
    """The fork server (see PRELOAD): one pytest run per connection, in a child of this process."""
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen()
    while True:
        connection, _ = listener.accept()
        with connection:
            request = json.loads(connection.makefile().readline() or "null")
            if not isinstance(request, list):
                return
            code = _fork_pytest([str(arg) for arg in request], connection, listener)
            if code is not None:
                connection.sendall(f"{code}\n".encode())


def _fork_pytest(args: list[str], connection: socket.socket, listener: socket.socket) -> int | None:
    pid = os.fork()
    if pid == 0:  # the child: its own process group, so a timeout ends whatever the tests started
        listener.close()
        connection.close()
        os.setsid()
        log = os.open("last-run.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(log, 1)
        os.dup2(log, 2)
        import pytest

        os._exit(int(pytest.main(args)))
    child = os.pidfd_open(pid)
    try:
        while True:
            ready, _, _ = select.select([child, connection.fileno()], [], [])
            if child in ready:
                return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
            if not connection.recv(1, socket.MSG_PEEK):  # the client was ended (Cosmic Ray's timeout)
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
    finally:
        os.close(child)


def _start_server(work: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    path = str(work / "fork-server.sock")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # left by a run that was ended
    server = subprocess.Popen([sys.executable, __file__, "--serve", path], cwd=work, env=env)
    deadline = time.monotonic() + 600
    while not os.path.exists(path):
        if server.poll() is not None or time.monotonic() > deadline:
            raise RunError(f"the fork server in {work} did not start")
        time.sleep(0.2)
    return server, path


def run_module(module: Module, *, recheck: bool = False) -> float:
    """Stage, baseline, initialise, filter and execute one module's session; returns seconds taken."""
    tests = module.test_files
    work = _stage(module)
    env = _environment(work)
    server, socket_path = _start_server(work, env)
    try:
        client = [sys.executable, "fork_client.py", socket_path]
        seconds = _run_session(module, tests, work, env, client, recheck=recheck)
        if server.poll() is not None:  # every mutant after its end would have counted as killed
            raise RunError(f"{module.name}: the fork server ended during the run; its results are not valid")
        return seconds
    finally:
        server.terminate()
        server.wait()


def _reuse_stage(module: Module, wanted: str) -> Path:
    """The last session's copy, with the current tests; its mutants are positions in the source it had."""
    work = STAGE / module.slug
    if not (work / "session.sqlite").exists() or not (work / "timeout").exists():
        raise RunError(f"{module.name}: no earlier run to take the {wanted} from; run it in full first")
    if (work / module.path).read_bytes() != (REPO / module.path).read_bytes():
        raise RunError(
            f"{module.name}: {module.path} changed since its run (mutants are positions in it); run it afresh"
        )
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    shutil.rmtree(work / "tests")
    shutil.copytree(REPO / "tests", work / "tests", ignore=ignore)
    return work


def _step(module: Module, work: Path, env: dict[str, str], *args: str) -> None:
    result = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RunError(f"{module.name}: {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def resume_session(module: Module) -> float:
    """Run the mutants an interrupted session left pending; those it judged keep their verdicts."""
    started = time.monotonic()
    work = _reuse_stage(module, "pending mutants")
    env = _environment(work)
    server, _ = _start_server(work, env)  # same socket path as the session's test command names
    try:
        pending = sum(1 for item in _dump(work) if item[1] is None)
        print(f"{module.name}: {pending} pending mutants to run", flush=True)
        _step(module, work, env, _tool("cosmic-ray"), "exec", "cosmic-ray.toml", "session.sqlite")
        if server.poll() is not None:  # every mutant after its end would have counted as killed
            raise RunError(f"{module.name}: the fork server ended during the run; its results are not valid")
    finally:
        server.terminate()
        server.wait()
    seconds = time.monotonic() - started
    print(f"{module.name}: pending mutants run in {seconds / 60:.1f} min", flush=True)
    return seconds


def retest_survivors(module: Module) -> float:
    """Run the last session's survivors again against the current tests; the source must be unchanged."""
    started = time.monotonic()
    work = _reuse_stage(module, "survivors")
    env = _environment(work)
    server, socket_path = _start_server(work, env)
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkResult

    # The session's own timeout, enforced on the client (whose end makes the server end the fork).
    timeout = float((work / "timeout").read_text(encoding="utf-8"))
    client = ["timeout", "--signal=KILL", str(int(timeout)), sys.executable, "fork_client.py", socket_path]
    command = shlex.join([*client, *_pytest_args(module.test_files)])
    command += "".join(f" --deselect={shlex.quote(node)}" for node in module.deselect)
    try:
        with use_db(str(work / "session.sqlite"), WorkDB.Mode.open) as db:
            survivors = [
                item
                for item, result in db.completed_work_items
                if result.test_outcome == "survived" and result.output != LISTED
            ]
            print(f"{module.name}: {len(survivors)} survivors to run again", flush=True)
            for item in survivors:
                (mutation,) = item.mutations
                args = [str(mutation.module_path), mutation.operator_name, str(mutation.occurrence), command]
                result = subprocess.run(
                    [_tool("cosmic-ray"), "mutate-and-test", *args],
                    cwd=work,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                if server.poll() is not None:  # the verdict would be a kill whatever the tests say
                    raise RunError(f"{module.name}: the fork server ended; run the survivors again")
                outcome = json.loads(result.stdout.strip().splitlines()[-1])
                db.set_result(item.job_id, WorkResult(**outcome))
    finally:
        server.terminate()
        server.wait()
    seconds = time.monotonic() - started
    print(f"{module.name}: survivors run again in {seconds / 60:.1f} min", flush=True)
    return seconds


def _run_session(
    module: Module, tests: list[str], work: Path, env: dict[str, str], client: list[str], *, recheck: bool
) -> float:
    started = time.monotonic()
    command = [*client, *_pytest_args(tests), *(f"--deselect={node}" for node in module.deselect)]
    baseline_start = time.monotonic()
    baseline = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=False)
    baseline_seconds = time.monotonic() - baseline_start
    if baseline.returncode != 0:
        log_text = (work / "last-run.log").read_text(encoding="utf-8", errors="replace")
        raise RunError(f"{module.name}: the tests fail without any mutation; fix them first:\n{log_text[-4000:]}")
    timeout = max(TIMEOUT_FLOOR, TIMEOUT_FACTOR * baseline_seconds)
    (work / "timeout").write_text(f"{timeout:.0f}\n", encoding="utf-8")

    config: dict[str, Any] = {
        "module-path": module.path,
        "timeout": timeout,
        "excluded-modules": [],
        "test-command": shlex.join(command),
    }
    sections = [
        "[cosmic-ray]",
        *(f"{key} = {_toml(value)}" for key, value in config.items()),
        "",
        "[cosmic-ray.distributor]",
        'name = "local"',
        "",
        "[cosmic-ray.filters.operators-filter]",
        f"exclude-operators = {_toml(EXCLUDED_OPERATORS)}",
    ]
    if module.functions or module.classes:
        source = (REPO / module.path).read_text(encoding="utf-8")
        lines = _function_lines(source, module.functions, module.classes)
        sections += ["", "[cosmic-ray.filters.line-filter.lines]", f"{_toml(module.path)} = {_toml(lines)}"]
    (work / "cosmic-ray.toml").write_text("\n".join(sections) + "\n", encoding="utf-8")

    def step(*args: str) -> None:
        _step(module, work, env, *args)

    step(_tool("cosmic-ray"), "init", "cosmic-ray.toml", "session.sqlite")
    step(_tool("cr-filter-operators"), "session.sqlite", "cosmic-ray.toml")
    if module.functions or module.classes:
        step(_tool("cr-filter-lines"), "session.sqlite", "--config", "cosmic-ray.toml")
    _skip_non_code(work, module)
    listed = 0 if recheck else _skip_listed(work, module)
    count = sum(1 for item in _dump(work) if item[1] is None)
    print(
        f"{module.name}: {count + listed} mutants ({listed} listed as equivalent, not run), "
        f"tests {baseline_seconds:.1f} s unmutated, timeout {timeout:.0f} s",
        flush=True,
    )
    step(_tool("cosmic-ray"), "exec", "cosmic-ray.toml", "session.sqlite")
    seconds = time.monotonic() - started
    (work / "seconds").write_text(f"{seconds:.1f}\n", encoding="utf-8")
    print(f"{module.name}: done in {seconds / 60:.1f} min", flush=True)
    return seconds


def _dump(work: Path) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    result = subprocess.run(
        [_tool("cosmic-ray"), "dump", "session.sqlite"], cwd=work, capture_output=True, text=True, check=True
    )
    rows = []
    for line in result.stdout.splitlines():
        if line.strip():
            item, outcome = json.loads(line)
            rows.append((item, outcome))
    return rows


def _changed_lines(diff: str) -> tuple[str, str]:
    before = [line[1:].strip() for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    after = [line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return " / ".join(before), " / ".join(after)


def mutants_of(module: Module) -> list[Mutant]:
    mutants = []
    for item, result in _dump(STAGE / module.slug):
        (mutation,) = item["mutations"]
        if result is None:
            outcome = "pending"
        elif result.get("output") == LISTED:
            outcome = "survived"  # as the listed explanation says; not run again (see _skip_listed)
        elif result["worker_outcome"] in ("skipped", "no-test"):
            continue  # filtered out, or nothing to mutate at that occurrence
        elif result["worker_outcome"] != "normal" or result["test_outcome"] == "incompetent":
            outcome = "error"
        else:
            outcome = str(result["test_outcome"])
        before, after = _changed_lines((result or {}).get("diff") or "")
        mutants.append(
            Mutant(
                module=module.name,
                file=module.file,
                line=int(mutation["start_pos"][0]),
                operator=str(mutation["operator_name"]).removeprefix("core/"),
                outcome=outcome,
                before=before,
                after=after,
            )
        )
    return mutants


SURVIVORS_HEADING: Final = "## Surviving mutants"
_ROW: Final = re.compile(r"^\|\s*`(?P<file>[\w.]+\.py):(?P<line>\d+)`\s*\|\s*`(?P<before>.*)` → `(?P<after>.*)`\s*\|")


def explained() -> dict[tuple[str, str, str], int]:
    """Survivors docs/testing.md explains as equivalent: (file, code before, code after) -> doc line."""
    rows: dict[tuple[str, str, str], int] = {}
    if not DOC.exists():
        return rows
    section = False
    for number, line in enumerate(DOC.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("## "):
            section = line.strip() == SURVIVORS_HEADING
        match = _ROW.match(line.replace("\\|", "\x00")) if section else None
        if match:
            before, after = (match[name].replace("\x00", "|") for name in ("before", "after"))
            rows[(match["file"], before, after)] = number
    return rows


def doc_row(mutant: Mutant) -> str:
    """The docs/testing.md row for a survivor, to fill in with why it is equivalent."""
    before, after = (code.replace("|", "\\|") for code in (mutant.before, mutant.after))
    return f"| `{mutant.file}:{mutant.line}` | `{before}` → `{after}` | {mutant.operator}: WHY |"


def _score(module: Module, equivalents: dict[tuple[str, str, str], int], used: set[tuple[str, str, str]]) -> Score:
    score = Score(module.name)
    seconds_file = STAGE / module.slug / "seconds"
    if seconds_file.exists():
        score.seconds = float(seconds_file.read_text(encoding="utf-8"))
    for mutant in mutants_of(module):
        if mutant.outcome == "killed":
            score.killed += 1
        elif mutant.outcome == "survived":
            score.survived += 1
            if mutant.signature in equivalents:
                score.equivalent += 1
                used.add(mutant.signature)
            else:
                score.unexplained.append(mutant)
        elif mutant.outcome == "error":
            score.errors += 1
        else:
            score.pending += 1
    return score


def _print_table(scores: Sequence[Score]) -> None:
    total = Score("total")
    print("\n| module | mutants | killed | survived | equivalent | score | minutes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for s in [*scores, total]:
        minutes = f"{s.seconds / 60:.1f}" if s.seconds is not None else ""
        extra = f" ({s.errors} errors, {s.pending} not run)" if s.errors or s.pending else ""
        print(
            f"| {s.module} | {s.mutants} | {s.killed} | {s.survived} | {s.equivalent} | "
            f"{s.score:.1%}{extra} | {minutes} |"
        )
        if s is not total:
            total.killed += s.killed
            total.survived += s.survived
            total.equivalent += s.equivalent
            total.errors += s.errors
            total.pending += s.pending


def report(modules: Sequence[Module]) -> int:
    """Print the per-module table and what still needs a test or an explanation; 1 if anything does."""
    equivalents = explained()
    used: set[tuple[str, str, str]] = set()
    scores = [_score(m, equivalents, used) for m in modules if (STAGE / m.slug / "session.sqlite").exists()]
    if not scores:
        print("mutation: no results under .mutation/; run `make mutation` first", file=sys.stderr)
        return 1
    _print_table(scores)

    failed = False
    doc = DOC.relative_to(REPO)
    unexplained = [m for s in scores for m in s.unexplained]
    if unexplained:
        failed = True
        print(f"\n{len(unexplained)} surviving mutants are not explained in {doc}:")
        print("kill each with a test, or add its row (with why it is equivalent) under 'Surviving mutants':")
        for mutant in sorted(unexplained, key=lambda m: (m.file, m.line)):
            print(doc_row(mutant))
    # Only a finished run can tell that a listed mutant no longer survives (a pending one has no diff yet).
    finished = {score.module for score in scores if not score.pending}
    run_files = {m.file for m in modules if m.name in finished}
    stale = sorted((line, sig) for sig, line in equivalents.items() if sig[0] in run_files and sig not in used)
    if stale:
        failed = True
        print(f"\n{len(stale)} rows of {doc} explain mutants that no longer survive; remove them:")
        for line, (file, before, after) in stale:
            print(f"  line {line}: {file}: `{before}` → `{after}`")
    below = [s.module for s in scores if s.score < GOAL]
    if below:
        failed = True
        print(f"\nbelow the {GOAL:.0%} goal: {', '.join(below)}")
    if any(s.errors or s.pending for s in scores):
        failed = True
        print("\nsome mutants errored or did not run: `cosmic-ray dump .mutation/<module>/session.sqlite` shows why")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-m", "--module", action="append", help="module name (e.g. drift, cli:drift); repeatable")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="modules mutated at the same time (default: 2)")
    parser.add_argument("--report", action="store_true", help="only print the report of the last run")
    parser.add_argument(
        "--again",
        action="store_true",
        help="run only the last run's survivors again, against the current tests (after adding tests)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="run only the mutants an interrupted run left pending (the module's source must be unchanged)",
    )
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="also run the mutants docs/testing.md lists as equivalent, to see that each still survives",
    )
    parser.add_argument("--serve", metavar="SOCKET", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0

    present = [m for m in MODULES if (REPO / m.path).exists()]
    if args.module:
        wanted = {name.removesuffix(".py") for name in args.module}
        selected = [m for m in present if {m.name.replace(".py", ""), m.stem, m.file.removesuffix(".py")} & wanted]
        if len(selected) != len(wanted):
            known = ", ".join(m.name.replace(".py", "") for m in present)
            parser.error(f"unknown module in {sorted(wanted)}; known: {known}")
    else:
        selected = present

    if not args.report:
        started = time.monotonic()
        STAGE.mkdir(exist_ok=True)
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            if args.again:
                futures = {module.name: pool.submit(retest_survivors, module) for module in selected}
            elif args.resume:
                futures = {module.name: pool.submit(resume_session, module) for module in selected}
            else:
                futures = {module.name: pool.submit(run_module, module, recheck=args.recheck) for module in selected}
        failed = False
        for name, future in futures.items():
            error = future.exception()
            if error is not None:
                failed = True
                print(f"\nmutation: {name}: {error}", file=sys.stderr)
        # The CPU time of every process the run started (all waited for): what the run costs on an idle
        # machine, however busy this one was.
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (children.ru_utime + children.ru_stime) / 60
        print(
            f"\nmutation testing took {(time.monotonic() - started) / 60:.1f} min with {args.jobs} jobs "
            f"and {cpu:.1f} min of CPU (about {cpu / (os.cpu_count() or 1):.1f} min on this machine when idle)"
        )
        if failed:
            report(selected)
            return 1
    return report(selected)


if __name__ == "__main__":
    sys.exit(main())
