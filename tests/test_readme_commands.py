"""Every code block of README.md and examples/*/README.md is run, checked against --help, or parsed.

What each kind of block gets is described in tests/readme_blocks.py; the blocks that need the real
Pulumi CLI run in tests/e2e/test_readme_commands_e2e.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from pulumi_sagemaker_image.testing import SageMakerImageEmulator, sample_seed_path

from .readme_blocks import (
    MARKER,
    README_SEED,
    Block,
    all_blocks,
    command_problems,
    parse_data,
    prompt_commands,
    pulumi_yaml_problems,
    python_problems,
    readme_paths,
)

BLOCKS = all_blocks()


def ids(blocks: list[Block]) -> list[str]:
    return [block.where for block in blocks]


def of_kind(*kinds: str) -> list[Block]:
    return [block for block in BLOCKS if block.kind in kinds]


PYTHON_BLOCKS = [block for block in BLOCKS if block.language in ("python", "py", "python3")]
SCRIPTS = [block for block in of_kind("python") if not block.is_pulumi_program]
COMMAND_BLOCKS = [block for block in BLOCKS if block.kind in ("shell", "output") or block.language in ("sh", "bash")]


@pytest.fixture
def readme_emulator() -> Iterator[SageMakerImageEmulator]:
    """The sample images plus the images the READMEs' snippets name (my-image, my-pytorch)."""
    with SageMakerImageEmulator(sample_seed_path()) as running:
        running.load_seed(README_SEED)
        yield running


def test_the_readmes_have_blocks_of_every_kind_the_tests_handle() -> None:
    kinds = {block.kind for block in BLOCKS}
    assert {"illustrative", "shell", "python", "output"} <= kinds
    assert SCRIPTS, "no plain Python block: the script runner would test nothing"


@pytest.mark.parametrize("block", BLOCKS, ids=ids(BLOCKS))
def test_every_block_is_runnable_checkable_or_marked_illustrative(block: Block) -> None:
    assert block.kind != "unknown", (
        f"{block.where}: a {block.language!r} block the README tests can neither run nor parse; put "
        "<!-- illustrative: why --> right before it, or teach tests/readme_blocks.py its language"
    )


@pytest.mark.parametrize("path", readme_paths(), ids=lambda path: path.parent.name)
def test_every_illustrative_marker_stands_right_before_a_block(path: Path) -> None:
    tokens = MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8"))
    for token, following in zip(tokens, [*tokens[1:], None], strict=True):
        if token.type == "html_block" and MARKER.match(token.content.strip()):
            following_type = following.type if following is not None else "the end of the file"
            assert following_type == "fence", (
                f"{path.name}:{(token.map or [0])[0] + 1}: an illustrative marker with no code block after it"
            )


@pytest.mark.parametrize("block", COMMAND_BLOCKS, ids=ids(COMMAND_BLOCKS))
def test_commands_exist_as_written(block: Block) -> None:
    """Our CLI's subcommands and options per its --help, and make targets, in every shell or output block."""
    script = prompt_commands(block.text) if block.kind == "output" else block.text
    assert command_problems(script) == [], block.where


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=ids(PYTHON_BLOCKS))
def test_python_compiles_and_uses_real_names(block: Block) -> None:
    compile(block.text, block.where, "exec")
    assert python_problems(block.text) == [], block.where


@pytest.mark.parametrize("block", of_kind("data"), ids=ids(of_kind("data")))
def test_data_blocks_parse(block: Block) -> None:
    parsed = parse_data(block)
    # A Pulumi YAML program uses only the types, functions and properties the package's schema has.
    documents = parsed if isinstance(parsed, list) else [parsed]
    assert [problem for document in documents for problem in pulumi_yaml_problems(document)] == [], block.where


@pytest.mark.parametrize("block", SCRIPTS, ids=ids(SCRIPTS))
def test_python_scripts_run(block: Block, readme_emulator: SageMakerImageEmulator, tmp_path: Path) -> None:
    # Dummy credentials and a region come from the test's environment (conftest), the endpoint the
    # way the README tells AWS users to set one.
    script = tmp_path / "snippet.py"
    script.write_text(block.text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env={**os.environ, "AWS_ENDPOINT_URL_SAGEMAKER": readme_emulator.endpoint_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{block.where}:\n{result.stdout}{result.stderr}"
