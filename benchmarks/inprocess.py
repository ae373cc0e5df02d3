"""In-process figures: warm lookup overhead against raw boto3, and client reuse in this process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from benchmarks.harness import ALIAS, REGION, compare_lookups, image_name
from benchmarks.report import Figure
from pulumi_sagemaker_image import ImageVersionInfo
from pulumi_sagemaker_image.lookup import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    clear_client_cache,
    client_cache_stats,
    get_image_version,
)

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

    from pulumi_sagemaker_image.testing import SageMakerImageEmulator

WARM_TARGET = 1.10


def _raw_lookup(client: SageMakerClient, name: str) -> dict[str, Any]:
    """What a user would write by hand: the same two requests, the same information out."""
    response = client.describe_image_version(ImageName=name, Alias=ALIAS)
    aliases = client.list_aliases(ImageName=name, Version=response["Version"], MaxResults=100)
    return {**response, "Aliases": aliases["SageMakerImageVersionAliases"]}


def warm_lookup(emulator: SageMakerImageEmulator, rounds: int) -> Figure:
    figure = Figure(
        key="warm_lookup",
        title="Warm lookup overhead",
        target=f"≤ {WARM_TARGET:.2f}",
        how=(
            f"`get_image_version(name, alias=...)` against raw boto3 making the same two requests "
            f"(`describe_image_version` + `list_aliases`) with one reused client, on the same emulator "
            f"(no added latency) in this process, {rounds} interleaved rounds after a warm-up. The ratio is "
            "the median of per-round ratios. The target baseline uses the botocore `Config` the lookup "
            "itself uses (standard retry mode, same timeouts and pool), so the figure isolates this "
            "package's own work: validation, the client cache, the pydantic result model. A default-config "
            "boto3 client (legacy retry mode) is timed alongside for context."
        ),
    )
    endpoint = emulator.endpoint_url
    name = image_name(0)
    same_config = Config(
        retries={"mode": "standard"},
        connect_timeout=DEFAULT_CONNECT_TIMEOUT,
        read_timeout=DEFAULT_READ_TIMEOUT,
        max_pool_connections=32,
    )
    session = boto3.session.Session()
    raw = session.client("sagemaker", endpoint_url=endpoint, region_name=REGION, config=same_config)
    default = session.client("sagemaker", endpoint_url=endpoint, region_name=REGION)

    def lookup() -> ImageVersionInfo:
        return get_image_version(name, alias=ALIAS, region=REGION, endpoint_url=endpoint)

    # Same answer from both sides, or the comparison means nothing.
    info = lookup()
    expected = _raw_lookup(raw, name)
    if info.to_json_dict()["containerImage"] != expected["ContainerImage"]:
        raise AssertionError("get_image_version and raw boto3 disagree; the benchmark compares different work")

    compared = compare_lookups(
        emulator,
        {
            "lookup": lookup,
            "raw": lambda: _raw_lookup(raw, name),
            "raw_default_config": lambda: _raw_lookup(default, name),
        },
        rounds=rounds,
        lookups=3,
    )
    ratio = compared.ratio("lookup", "raw")
    ratio_default = compared.ratio("lookup", "raw_default_config")
    figure.judge(ratio, WARM_TARGET)
    figure.result = compared.result("lookup", "raw", digits=3)
    labels = {
        "lookup": "get_image_version",
        "raw": "raw boto3, same Config",
        "raw_default_config": "raw boto3, default Config",
    }
    figure.tables.append(("", compared.table(labels, "raw", "ratio to raw boto3, same Config")))
    summaries = compared.summaries
    figure.details = {
        **compared.details(),
        "ratio": ratio,
        "ratio_vs_default_config": ratio_default,
        "ratio_of_medians": summaries["lookup"].median / summaries["raw"].median,
    }
    figure.notes.append(
        f"Against a default-config boto3 client the ratio is {ratio_default:.3f}x. "
        f"Every variant made {compared.requests_per_lookup:.2f} requests per lookup (DescribeImageVersion + "
        "ListAliases)."
    )
    return figure


def client_reuse_in_process(emulator: SageMakerImageEmulator, lookups: int = 100) -> tuple[int, int]:
    """Clients this process creates for ``lookups`` lookups with one setting, and requests served."""
    clear_client_cache()
    emulator.clear_requests()
    endpoint = emulator.endpoint_url
    for index in range(lookups):
        get_image_version(image_name(index % 10), alias=ALIAS, region=REGION, endpoint_url=endpoint)
    return client_cache_stats().created, emulator.request_count()
