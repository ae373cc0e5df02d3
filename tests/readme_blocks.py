"""The code blocks of README.md and examples/*/README.md, and what the tests do with each.

Blocks are read with markdown-it-py, the CommonMark parser the executablebooks project maintains:
it yields each fenced block with its info string and source lines, and an HTML comment right before
a block as a token of its own, so a marker there is unambiguous. A block is one of:

- **illustrative**, marked ``<!-- illustrative: why -->`` right before it (AWS-only snippets,
  synopses, commands that need a deployed stack): not run, but its commands are checked against
  ``--help`` and its Python is compiled and checked against the package's real names and signatures;
- a **shell** block (``sh``, ``bash``, ``shell``): run. The runnable shell blocks of one README are
  one session, in order, in a copy of the README's directory (tests/e2e when they call ``pulumi``);
- a **Python** block: run; a block that imports ``pulumi`` is a Pulumi program and runs under the
  real CLI (tests/e2e), any other runs as a script;
- **output** (``text``, ``console``, no language): never run; its ``$ command`` lines are checked
  like an illustrative block's;
- **data** (``yaml``, ``json``, ``toml``): parsed; in a Pulumi YAML program, the package's types,
  functions and properties are checked against its schema.

Any other language must be marked illustrative, so a new kind of block cannot slip by unchecked.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import json
import re
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from pulumi_sagemaker_image.cli import PROG, main

REPO_ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^<!--\s*illustrative\b\s*:?\s*(?P<reason>.*?)\s*-->\s*$", re.DOTALL)

SHELL = frozenset({"sh", "bash", "shell"})
PYTHON = frozenset({"python", "py", "python3"})
OUTPUT = frozenset({"", "text", "txt", "console", "output", "plaintext"})
DATA = frozenset({"yaml", "yml", "json", "toml"})

#: Commands of a shell block the checks know; everything else (cd, export, kill, …) is the shell's.
CLI_NAMES = frozenset({"pulumi-sagemaker-image"})


def readme_paths() -> list[Path]:
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "examples").glob("*/README.md"))]


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    info: str
    text: str
    illustrative: str | None  # the marker's reason ("" when it gives none); None: not marked

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO_ROOT)}:{self.line}"

    @property
    def kind(self) -> str:
        """illustrative, shell, python, output, data, or unknown."""
        if self.illustrative is not None:
            return "illustrative"
        for kind, languages in (("shell", SHELL), ("python", PYTHON), ("output", OUTPUT), ("data", DATA)):
            if self.language in languages:
                return kind
        return "unknown"

    @property
    def is_pulumi_program(self) -> bool:
        return self.language in PYTHON and "pulumi" in imported_modules(self.text)


def blocks(path: Path) -> list[Block]:
    found: list[Block] = []
    previous = None
    for token in MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8")):
        if token.type == "fence" and token.map is not None:
            marker = MARKER.match(previous.content.strip()) if previous and previous.type == "html_block" else None
            info = token.info.strip()
            found.append(
                Block(
                    path=path,
                    line=token.map[0] + 1,
                    language=info.split()[0].lower() if info else "",
                    info=info,
                    text=token.content,
                    illustrative=marker.group("reason") if marker else None,
                )
            )
        previous = token
    return found


def all_blocks() -> list[Block]:
    return [block for path in readme_paths() for block in blocks(path)]


# -- Python ---------------------------------------------------------------------------------------


def imported_modules(source: str) -> set[str]:
    """Top-level names of the modules a block imports."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def python_problems(source: str) -> list[str]:
    """Names imported from the package that do not exist, and keyword arguments its callables lack."""
    import importlib

    tree = ast.parse(source)
    ours: dict[str, Any] = {}
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pulumi_sagemaker_image":
            module = importlib.import_module(node.module)
            for alias in node.names:
                if not hasattr(module, alias.name):
                    problems.append(f"`from {node.module} import {alias.name}`: no such name")
                else:
                    ours[alias.asname or alias.name] = getattr(module, alias.name)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target, label = _callee(node.func, ours)
        if target is None or not callable(target):
            continue
        try:
            signature = inspect.signature(target)
        except (TypeError, ValueError):
            continue
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()):
            continue
        for keyword in node.keywords:
            if keyword.arg is not None and keyword.arg not in signature.parameters:
                problems.append(f"{label}(): no keyword argument {keyword.arg!r}")
    return problems


def _callee(func: ast.expr, ours: dict[str, Any]) -> tuple[Any, str]:
    if isinstance(func, ast.Name) and func.id in ours:
        return ours[func.id], func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ours:
        owner = ours[func.value.id]
        if not hasattr(owner, func.attr):
            return None, ""
        return getattr(owner, func.attr), f"{func.value.id}.{func.attr}"
    return None, ""


# -- shell ----------------------------------------------------------------------------------------

_OPERATORS = frozenset({"|", "||", "&&", ";", "&", "|&", "(", ")", ";;"})
_REDIRECTS = frozenset({">", ">>", "<", "2>", "&>"})


def shell_commands(script: str) -> Iterator[list[str]]:
    """Each simple command of a script as words, without leading assignments, `export` or redirects."""
    text = script.replace("\\\n", " ")
    for line in text.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        skip = False
        for token in [*lexer, ";"]:
            if skip:
                skip = False
            elif token in _REDIRECTS:
                skip = True
            elif token in _OPERATORS:
                while words and (re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]) or words[0] == "export"):
                    words.pop(0)
                if words:
                    yield words
                words = []
            else:
                words.append(token)


def prompt_commands(output: str) -> str:
    """The commands of an output block: its ``$ `` lines, as a script."""
    return "\n".join(line.strip()[2:] for line in output.splitlines() if line.strip().startswith("$ "))


def program(words: list[str]) -> str:
    name = Path(words[0]).name
    if name.startswith("python") and words[1:3] == ["-m", "pulumi_sagemaker_image"]:
        return "pulumi-sagemaker-image"
    return name


def _flags(words: list[str]) -> list[str]:
    # Synopses write optional flags in brackets: [--region R], [--output json|table].
    cleaned = (word.strip("[]") for word in words)
    return [word.split("=", 1)[0] for word in cleaned if re.fullmatch(r"--?[A-Za-z][\w-]*(=.*)?", word)]


def mentions_flag(help_text: str, flag: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text) is not None


@cache
def cli_help(*args: str) -> tuple[int, str]:
    """``pulumi-sagemaker-image ARGS --help``: its exit code and what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([*args, "--help"], out, err)
        except SystemExit as exit_:
            return int(exit_.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def cli_problems(words: list[str]) -> list[str]:
    """What in a ``pulumi-sagemaker-image`` command line its ``--help`` does not know."""
    args = words[1:] if program(words) == Path(words[0]).name else words[3:]
    positional = [word for word in args if not word.startswith(("-", "["))]
    _, top = cli_help()
    if not positional:
        return [] if set(_flags(args)) <= {"--help", "-h"} else [f"`{' '.join(words)}`: no subcommand"]
    subcommand = positional[0]
    code, help_text = cli_help(subcommand)
    if code != 0:
        return [f"`{' '.join(words)}`: `{PROG} {subcommand} --help` fails: {help_text.strip()}"]
    return [
        f"`{' '.join(words)}`: `{subcommand}` has no option {flag}"
        for flag in _flags(args)
        if not mentions_flag(help_text, flag) and not mentions_flag(top, flag)
    ]


@cache
def make_targets() -> frozenset[str]:
    text = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    return frozenset(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", text, flags=re.MULTILINE))


def make_problems(words: list[str]) -> list[str]:
    goals = [word for word in words[1:] if not word.startswith("-") and "=" not in word]
    return [f"`{' '.join(words)}`: the Makefile has no target {goal!r}" for goal in goals if goal not in make_targets()]


def command_problems(script: str) -> list[str]:
    """Problems with the commands of a script that need no Pulumi CLI to find."""
    problems: list[str] = []
    for words in shell_commands(script):
        name = program(words)
        if name in CLI_NAMES:
            problems.extend(cli_problems(words))
        elif name == "make":
            problems.extend(make_problems(words))
    return problems


def pulumi_commands(script: str) -> list[list[str]]:
    return [words for words in shell_commands(script) if program(words) == "pulumi"]


def calls_pulumi(script: str) -> bool:
    return bool(pulumi_commands(script))


# -- data -----------------------------------------------------------------------------------------


def parse_data(block: Block) -> object:
    if block.language in ("yaml", "yml"):
        return list(yaml.safe_load_all(block.text))
    if block.language == "json":
        return json.loads(block.text)
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib.loads(block.text)
    raise AssertionError("parsing TOML needs Python 3.11+")


# -- running --------------------------------------------------------------------------------------

#: Images the READMEs' AWS-flavoured snippets name, served (besides the sample images) by the
#: emulator those snippets run against: versions 1-4 of each, `stable` on 3 and `prod` on 2.
README_SEED: dict[str, Any] = {
    "Images": [
        {
            "ImageName": name,
            "Versions": [
                {
                    "BaseImage": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}:{number}",
                    **({"Aliases": aliases} if aliases else {}),
                }
                for number, aliases in ((1, []), (2, ["prod"]), (3, ["stable"]), (4, []))
            ],
        }
        for name in ("my-image", "my-pytorch")
    ]
}

#: The port the READMEs' emulator commands use; a session gets a free one instead, so that runs on
#: one machine cannot collide.
README_PORT = "8111"


def session_script(readme: list[Block], port: int) -> str:
    """The runnable shell blocks of one README as one script that stops at the first failure."""
    parts = [
        "set -eo pipefail",
        # Whatever a block left running in the background (the emulator) ends with the session.
        "trap 'kill $(jobs -p) 2>/dev/null || true; wait' EXIT",
    ]
    for block in readme:
        parts.append(f"echo '>>> {block.where}'")
        parts.append(re.sub(rf"\b{README_PORT}\b", str(port), block.text))
    return "\n".join(parts) + "\n"


def runnable_shell_blocks(path: Path) -> list[Block]:
    return [block for block in blocks(path) if block.kind == "shell"]


@cache
def _schema() -> dict[str, Any]:
    from pulumi_sagemaker_image.schema import render_schema

    schema: dict[str, Any] = json.loads(render_schema())
    return schema


def pulumi_yaml_problems(document: object) -> list[str]:
    """In a Pulumi YAML program, the package's types, functions and properties the schema lacks."""
    if not isinstance(document, dict):
        return []
    schema = _schema()
    package = f"{schema['name']}:"
    problems: list[str] = []
    for name, resource in (document.get("resources") or {}).items():
        token = resource.get("type", "") if isinstance(resource, dict) else ""
        if not token.startswith(package):
            continue
        if token not in schema["resources"]:
            problems.append(f"resource {name}: no type {token} in the schema")
            continue
        known = schema["resources"][token].get("inputProperties", {})
        problems.extend(
            f"resource {name}: {token} has no input {key!r}"
            for key in resource.get("properties") or {}
            if key not in known
        )
    for name, variable in (document.get("variables") or {}).items():
        invoke = variable.get("fn::invoke") if isinstance(variable, dict) else None
        if not isinstance(invoke, dict) or not str(invoke.get("function", "")).startswith(package):
            continue
        function = invoke["function"]
        if function not in schema["functions"]:
            problems.append(f"variable {name}: no function {function} in the schema")
            continue
        known = schema["functions"][function]["inputs"]["properties"]
        problems.extend(
            f"variable {name}: {function} has no argument {key!r}"
            for key in invoke.get("arguments") or {}
            if key not in known
        )
    return problems
