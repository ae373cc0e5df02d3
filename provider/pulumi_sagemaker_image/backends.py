"""Where the drift command finds stacks: export files, self-managed backends, and the Pulumi CLI.

Each source yields :class:`StackEntry` items one after another; an entry's ``read()`` loads one stack and
nothing else, so a caller that drops the stack before reading the next keeps memory flat however many
stacks a backend holds. No Pulumi import: a self-managed backend is read in Pulumi's own layout
(the ``diy`` backend's), which is all plain files.

The layout, as the Pulumi CLI writes it under a backend's root (``file://DIR`` or ``s3://BUCKET/PREFIX``):

* ``.pulumi/meta.yaml``: ``version: 1`` once the backend is project-scoped; absent (or ``version: 0``)
  for the legacy layout;
* project-scoped: ``.pulumi/stacks/<project>/<stack>.json``; legacy: ``.pulumi/stacks/<stack>.json``
  (the project is then only known from the stack's resource URNs);
* either may be gzip-compressed (``.json.gz``, when ``PULUMI_DIY_BACKEND_GZIP`` was set); when both
  exist, the newer one is the stack (as the CLI decides); ``*.bak`` and history files are not stacks.
"""

from __future__ import annotations

import errno
import fnmatch
import gzip
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

# The newest checkpoint/deployment format and backend layout this reader knows (Pulumi's apitype
# DeploymentSchemaVersionCurrent is 3; the diy backend's meta.yaml version is 1).
MAX_DEPLOYMENT_VERSION: Final = 3
MAX_META_VERSION: Final = 1
# Pulumi's self-managed backends have one organization.
DIY_ORG: Final = "organization"
_GZIP_MAGIC: Final = b"\x1f\x8b"
_URN_RE: Final = re.compile(r"^urn:pulumi:(?P<stack>[^:]+)::(?P<project>[^:]+)::")
INSTEAD: Final = "use `drift --pulumi` (the Pulumi CLI exports any backend it can log into) or `drift FILE...`"


class BackendError(Exception):
    """The backend as a whole cannot be read. ``usage`` is True when the URL itself is wrong."""

    def __init__(self, message: str, *, usage: bool) -> None:
        super().__init__(message)
        self.usage = usage


class StackReadError(Exception):
    """One stack cannot be read; every other stack is still checked."""


@dataclass(frozen=True)
class StackName:
    """``project/stack`` (``org/project/stack`` when the org is known); project may be unknown before reading."""

    stack: str
    project: str | None = None
    org: str | None = None

    @property
    def label(self) -> str:
        return f"{self.project}/{self.stack}" if self.project else self.stack

    def matches(self, globs: Iterable[str]) -> bool:
        """True when any glob matches ``project/stack`` or ``org/project/stack`` (no globs: everything)."""
        patterns = list(globs)
        if not patterns:
            return True
        names = [self.label]
        if self.org and self.project:
            names.append(f"{self.org}/{self.project}/{self.stack}")
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns for name in names)


@dataclass
class Stack:
    """One stack's ImageVersion-relevant content: its name, where it came from, and its resources."""

    name: StackName
    source: str
    resources: list[Mapping[str, Any]]


@dataclass(frozen=True)
class StackEntry:
    """A stack not read yet. ``name`` is None when only reading it tells (an export file, a legacy stack)."""

    source: str
    read: Callable[[], Stack]
    name: StackName | None = None


def parse_stack_document(data: bytes, source: str, name: StackName | None = None) -> Stack:
    """A ``pulumi stack export`` document or a backend checkpoint (either gzip-compressed) as a :class:`Stack`."""
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise StackReadError(f"{source} is a damaged gzip file ({exc}); re-export the stack") from None
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StackReadError(f"{source} is not JSON ({exc}); pass the output of `pulumi stack export`") from None
    if not isinstance(document, Mapping):
        raise StackReadError(f"{source} is not a JSON object; pass the output of `pulumi stack export`")
    version = document.get("version")
    if isinstance(version, int) and version > MAX_DEPLOYMENT_VERSION:
        raise StackReadError(
            f"{source} was written by a newer Pulumi (format version {version}; this command reads up to "
            f"{MAX_DEPLOYMENT_VERSION}): upgrade pulumi-sagemaker-image, or {INSTEAD}"
        )
    checkpoint = document.get("checkpoint")
    if isinstance(checkpoint, Mapping):  # a backend's checkpoint: the deployment is its `latest`
        deployment = checkpoint.get("latest") or {}
        stack_field = checkpoint.get("stack")
    else:
        deployment = document.get("deployment")
        stack_field = None
        if not isinstance(deployment, Mapping):
            raise StackReadError(f"{source} has no 'deployment' object; pass the output of `pulumi stack export`")
    if not isinstance(deployment, Mapping):
        raise StackReadError(f"{source} has a malformed checkpoint (no deployment object); re-export the stack")
    resources = deployment.get("resources") or []
    if not isinstance(resources, list):
        raise StackReadError(f"{source} has a malformed 'resources' list; re-export the stack")
    return Stack(
        name or _name_of(resources, stack_field, source), source, [r for r in resources if isinstance(r, Mapping)]
    )


def _name_of(resources: list[Any], stack_field: object, source: str) -> StackName:
    """The stack's name from its resources' URNs (``urn:pulumi:STACK::PROJECT::...``), else its checkpoint."""
    for resource in resources:
        match = _URN_RE.match(str(resource.get("urn", ""))) if isinstance(resource, Mapping) else None
        if match:
            return StackName(match["stack"], match["project"])
    if isinstance(stack_field, str) and stack_field:
        parts = stack_field.split("/")
        if len(parts) == 3:
            return StackName(parts[2], parts[1], parts[0])
        return StackName(parts[-1])
    base = Path(source).name
    return StackName(base.split(".", 1)[0] or source)


# --- export files and folders of them -----------------------------------------------------------------


def export_files(paths: Iterable[str], stdin: Callable[[], bytes]) -> Iterator[StackEntry]:
    """Entries for FILE arguments: ``-`` (standard input), files, and folders (their ``*.json[.gz]``, sorted)."""
    for given in paths:
        if given == "-":
            yield StackEntry("standard input", lambda: parse_stack_document(stdin(), "standard input"))
            continue
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith((".json", ".json.gz")))
            if not found:
                raise BackendError(f"{given} is a folder with no *.json or *.json.gz exports in it", usage=True)
            for file in found:
                yield _file_entry(file)
        elif not path.exists():
            raise BackendError(f"cannot read {given}: {os.strerror(errno.ENOENT)}", usage=True)
        else:
            yield _file_entry(path)


def _file_entry(path: Path, name: StackName | None = None) -> StackEntry:
    source = str(path)

    def read() -> Stack:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StackReadError(f"cannot read {source}: {exc.strerror}; check its permissions") from None
        return parse_stack_document(data, source, name)

    return StackEntry(source, read, name)


# --- self-managed backends ----------------------------------------------------------------------------


def open_backend(url: str) -> Iterator[StackEntry]:
    """Every stack of a ``file://`` or ``s3://`` backend, in name order; raises :class:`BackendError`."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "file":
        return _file_backend(url)
    if scheme == "s3":
        return _s3_backend(url)
    raise BackendError(
        f"--backend {url}: only file:// and s3:// backends are read directly (not {scheme or 'a bare path'}://); "
        f"for Pulumi Cloud, azblob://, gs:// or postgres://, {INSTEAD}",
        usage=True,
    )


def _meta_version(text: str, where: str) -> int:
    """meta.yaml's ``version:`` (the only key Pulumi writes); read without a YAML parser, which is not a dependency."""
    match = re.search(r"^version:\s*(\d+)\s*$", text, re.MULTILINE)
    version = int(match.group(1)) if match else 0
    if version > MAX_META_VERSION:
        raise BackendError(
            f"{where} is laid out by a newer Pulumi (meta.yaml version {version}; this command reads up to "
            f"{MAX_META_VERSION}): upgrade pulumi-sagemaker-image, or {INSTEAD}",
            usage=False,
        )
    return version


def _stack_files(names: Iterable[str]) -> dict[str, str]:
    """Checkpoint keys by stack key (``proj/dev`` or ``dev``) from ``.pulumi/stacks``-relative names."""
    chosen: dict[str, str] = {}
    for relative in sorted(names):
        if relative.endswith(".json.gz"):
            key = relative[: -len(".json.gz")]
        elif relative.endswith(".json"):
            key = relative[: -len(".json")]
        else:
            continue  # .bak and other files
        chosen.setdefault(key, relative)
    return chosen


def _names_by_layout(keys: Iterable[str], version: int) -> Iterator[tuple[str, StackName | None]]:
    for key in keys:
        parts = key.split("/")
        if version >= 1 and len(parts) == 2:
            yield key, StackName(parts[1], parts[0], DIY_ORG)
        elif version == 0 and len(parts) == 1:
            yield key, None  # legacy: the project is known once the stack is read
        # anything else is not a stack of this layout (e.g. a legacy file left in a project-scoped tree)


def _file_backend(url: str) -> Iterator[StackEntry]:
    parts = urlsplit(url)
    root = Path(unquote(parts.netloc + parts.path)).expanduser()
    if parts.netloc == "~":
        root = Path.home() / unquote(parts.path).lstrip("/")
    if not root.is_dir():
        raise BackendError(
            f"--backend {url}: {root} is not a folder; give the folder `pulumi login` was given", usage=True
        )
    meta = root / ".pulumi" / "meta.yaml"
    version = _meta_version(meta.read_text(encoding="utf-8"), url) if meta.exists() else 0
    stacks_dir = root / ".pulumi" / "stacks"
    files = (
        [str(p.relative_to(stacks_dir).as_posix()) for p in stacks_dir.rglob("*") if p.is_file()]
        if stacks_dir.is_dir()
        else []
    )
    chosen = _newest(stacks_dir, files)
    entries = [(key, name) for key, name in _names_by_layout(sorted(chosen), version)]
    if not entries:
        raise BackendError(
            f"--backend {url} has no stacks (nothing under {stacks_dir}); is it the right folder?", usage=True
        )
    for key, name in entries:
        yield _file_entry(stacks_dir / chosen[key], name)


def _newest(stacks_dir: Path, files: list[str]) -> dict[str, str]:
    """Per stack, the newer of ``.json`` and ``.json.gz`` when both exist."""
    chosen = _stack_files(files)
    for key in chosen:
        plain, packed = f"{key}.json", f"{key}.json.gz"
        if plain in files and packed in files:
            newer = max((plain, packed), key=lambda name: (stacks_dir / name).stat().st_mtime)
            chosen[key] = newer
    return chosen


# --- S3 -----------------------------------------------------------------------------------------------


# The query parameters Pulumi's s3:// backend URLs take (gocloud's s3blob, its AWS SDK v1 and v2 spellings).
# The ones that only tune the transport (dual-stack, FIPS, acceleration, rate limits) do not change
# which objects are read, so they are accepted and left to botocore's defaults.
S3_PARAMETERS: Final = frozenset(
    {
        "region",
        "endpoint",
        "profile",
        "s3ForcePathStyle",
        "use_path_style",
        "disableSSL",
        "disable_https",
        "awssdk",
        "dualstack",
        "fips",
        "accelerate",
        "anonymous",
        "hostname_immutable",
        "rate_limiter_capacity",
    }
)


@dataclass(frozen=True)
class S3Location:
    """An ``s3://`` backend URL with the query parameters Pulumi's (gocloud's) s3blob accepts."""

    bucket: str
    prefix: str
    region: str | None = None
    endpoint_url: str | None = None
    profile: str | None = None
    path_style: bool = False

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        if not parts.netloc:
            raise BackendError(f"--backend {url}: no bucket; write s3://BUCKET[/PREFIX][?region=...]", usage=True)
        params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        unknown = sorted(set(params) - S3_PARAMETERS)
        if unknown:
            raise BackendError(
                f"--backend {url}: unknown parameter(s) {', '.join(unknown)}; Pulumi's s3:// URLs take "
                f"{', '.join(sorted(S3_PARAMETERS))}",
                usage=True,
            )
        insecure = _true(params.get("disableSSL")) or _true(params.get("disable_https"))
        endpoint = params.get("endpoint")
        if endpoint and "://" not in endpoint:
            endpoint = f"{'http' if insecure else 'https'}://{endpoint}"
        return cls(
            bucket=parts.netloc,
            prefix=parts.path.strip("/"),
            region=params.get("region"),
            endpoint_url=endpoint,
            profile=params.get("profile"),
            path_style=_true(params.get("s3ForcePathStyle")) or _true(params.get("use_path_style")),
        )

    def key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        session = boto3.session.Session(profile_name=self.profile)
        config = Config(retries={"mode": "standard"}, s3={"addressing_style": "path" if self.path_style else "auto"})
        return session.client("s3", region_name=self.region, endpoint_url=self.endpoint_url, config=config)


def _true(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "yes")


def _s3_error(exc: Exception) -> tuple[str, str]:
    """(code, text) of a botocore error, for messages."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error") or {}
        return str(error.get("Code", "")), str(error.get("Message", "") or exc)
    return type(exc).__name__, " ".join(str(exc).split())


def _s3_backend(url: str) -> Iterator[StackEntry]:
    from botocore.exceptions import BotoCoreError, ClientError

    location = S3Location.parse(url)
    try:
        client = location.client()
    except (BotoCoreError, ClientError) as exc:
        raise BackendError(
            f"--backend {url}: {_s3_error(exc)[1]}; check the URL's profile and region", usage=True
        ) from None
    where = f"--backend {url}"
    stacks_prefix = location.key(".pulumi", "stacks") + "/"
    try:
        version = 0
        try:
            meta = client.get_object(Bucket=location.bucket, Key=location.key(".pulumi", "meta.yaml"))
            version = _meta_version(meta["Body"].read().decode("utf-8", "replace"), where)
        except ClientError as exc:
            if _s3_error(exc)[0] not in ("NoSuchKey", "404"):
                raise
        objects: dict[str, Any] = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=location.bucket, Prefix=stacks_prefix):
            for item in page.get("Contents", []):
                objects[item["Key"][len(stacks_prefix) :]] = item["LastModified"]
    except ClientError as exc:
        code, text = _s3_error(exc)
        if code == "NoSuchBucket":
            raise BackendError(
                f"{where}: bucket {location.bucket!r} does not exist; check the URL", usage=True
            ) from None
        raise BackendError(
            f"{where}: cannot list its stacks ({code}: {text}); check the credentials (AWS_PROFILE, ?profile=) "
            "and that they may s3:ListBucket and s3:GetObject there",
            usage=False,
        ) from None
    except BotoCoreError as exc:
        raise BackendError(
            f"{where}: cannot reach it ({_s3_error(exc)[1]}); check ?endpoint= and ?region=, and the network",
            usage=False,
        ) from None
    chosen = _stack_files(objects)
    for key in chosen:
        plain, packed = f"{key}.json", f"{key}.json.gz"
        if plain in objects and packed in objects:
            chosen[key] = max((plain, packed), key=lambda name: objects[name])
    entries = list(_names_by_layout(sorted(chosen), version))
    if not entries:
        raise BackendError(
            f"{where} has no stacks (nothing under {stacks_prefix}); is it the right bucket and prefix?", usage=True
        )
    for key, name in entries:
        yield _s3_entry(client, location, stacks_prefix + chosen[key], name)


def _s3_entry(client: Any, location: S3Location, key: str, name: StackName | None) -> StackEntry:
    from botocore.exceptions import BotoCoreError, ClientError

    source = f"s3://{location.bucket}/{key}"

    def read() -> Stack:
        try:
            data = client.get_object(Bucket=location.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            code, text = _s3_error(exc)
            raise StackReadError(
                f"cannot read {source} ({code}: {text}); the credentials need s3:GetObject on it"
            ) from None
        except BotoCoreError as exc:
            raise StackReadError(
                f"cannot read {source} ({_s3_error(exc)[1]}); check the endpoint and network"
            ) from None
        return parse_stack_document(data, source, name)

    return StackEntry(source, read, name)


# --- the Pulumi CLI -----------------------------------------------------------------------------------


def pulumi_stacks(pulumi: str | None = None, env: Mapping[str, str] | None = None) -> Iterator[StackEntry]:
    """Every stack ``pulumi stack ls --all`` lists under the CLI's current login, exported with secrets shown.

    The exports stay in this process; values that were secret are masked in every output by the caller.
    """
    binary = pulumi or shutil.which("pulumi")
    if binary is None:
        raise BackendError("--pulumi: no `pulumi` on PATH; install the Pulumi CLI or use --backend URL", usage=True)
    environment = {**os.environ, **(env or {}), "PULUMI_SKIP_UPDATE_CHECK": "true"}
    listing = _run_pulumi(binary, ["stack", "ls", "--all", "--json"], environment)
    if listing.returncode != 0:
        raise BackendError(
            f"--pulumi: `pulumi stack ls --all` failed: {' '.join(listing.stderr.split())}; check `pulumi whoami`",
            usage=False,
        )
    try:
        stacks = json.loads(listing.stdout or "[]")
    except json.JSONDecodeError:
        raise BackendError(
            "--pulumi: `pulumi stack ls --json` printed no JSON; upgrade the Pulumi CLI", usage=False
        ) from None
    names = sorted({str(item["name"]) for item in stacks if isinstance(item, Mapping) and item.get("name")})
    if not names:
        raise BackendError("--pulumi: the current login has no stacks (`pulumi stack ls --all` lists none)", usage=True)
    for full in names:
        yield _pulumi_entry(binary, full, environment)


def _run_pulumi(binary: str, args: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    # No project folder: every stack is named in full, so the CLI needs no Pulumi.yaml.
    return subprocess.run(
        [binary, *args, "--non-interactive"], capture_output=True, text=True, env=dict(env), check=False, timeout=600
    )


def _pulumi_entry(binary: str, full: str, env: Mapping[str, str]) -> StackEntry:
    parts = full.split("/")
    # `org/project/stack` (Pulumi Cloud, project-scoped self-managed backends) or a legacy backend's bare
    # `stack`, whose project only its resources' URNs tell.
    name = StackName(parts[-1], parts[-2], parts[0] if len(parts) == 3 else None) if len(parts) > 1 else None
    source = f"pulumi stack export --stack {full}"

    def read() -> Stack:
        result = _run_pulumi(binary, ["stack", "export", "--stack", full, "--show-secrets"], env)
        if result.returncode != 0:
            raise StackReadError(f"`{source}` failed: {' '.join(result.stderr.split())}")
        return parse_stack_document(result.stdout.encode("utf-8"), source, name)

    return StackEntry(source, read, name)
