"""The emulator's state: SageMaker images, their versions and aliases, and the API semantics.

Everything here is plain Python with no HTTP: :class:`ImageStore` takes request parameters as the
API names them and returns responses as the API shapes them (datetimes for timestamps), raising
:class:`~pulumi_sagemaker_image.testing.wire.ApiError` exactly where SageMaker answers with an error.
Seed documents (JSON or YAML) are parsed and validated here too, with the same rules as requests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .faults import Fault, fault_from_document
from .wire import (
    ApiError,
    Violation,
    check_shape,
    decode_request,
    format_validation_message,
    operation_model,
    validate_request,
)

__all__ = [
    "DEFAULT_ROLE_ARN",
    "SAGEMAKER_OPERATIONS",
    "SERVED_OPERATIONS",
    "STS_OPERATIONS",
    "VERSION_METADATA_FIELDS",
    "ImageStore",
    "Seed",
    "SeedError",
    "SeedImage",
    "SeedVersion",
    "container_image_for",
    "image_arn",
    "image_version_arn",
    "load_seed",
    "sample_seed_path",
]

SAGEMAKER_OPERATIONS = (
    "CreateImage",
    "DescribeImage",
    "DeleteImage",
    "CreateImageVersion",
    "DescribeImageVersion",
    "ListImageVersions",
    "UpdateImageVersion",
    "DeleteImageVersion",
    "ListAliases",
)
STS_OPERATIONS = ("AssumeRole", "GetCallerIdentity")
SERVED_OPERATIONS = SAGEMAKER_OPERATIONS + STS_OPERATIONS

DEFAULT_ROLE_ARN = "arn:aws:iam::123456789012:role/SageMakerImageRole"

#: Image-version metadata that CreateImageVersion and UpdateImageVersion both accept.
VERSION_METADATA_FIELDS = (
    "VendorGuidance",
    "JobType",
    "MLFramework",
    "ProgrammingLang",
    "Processor",
    "Horovod",
    "ReleaseNotes",
)
#: Fields tests may force with set_version_fields: everything DescribeImageVersion shows except
#: the identity of the version (its ARNs and number).
_SETTABLE_VERSION_FIELDS = frozenset(
    {
        "BaseImage",
        "ContainerImage",
        "CreationTime",
        "LastModifiedTime",
        "ImageVersionStatus",
        "FailureReason",
        *VERSION_METADATA_FIELDS,
    }
)
_REQUIRED_VERSION_FIELDS = frozenset({"BaseImage", "ContainerImage", "CreationTime", "LastModifiedTime"})
_DEFAULT_PAGE_SIZE = 10
_VERSION_AND_ALIAS = "Only one of Version or Alias can be specified."
_CONTAINER_IMAGE_MAX = 255


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def image_arn(region: str, account_id: str, image_name: str) -> str:
    """SageMaker lowercases the name in image ARNs, so ``My-Image`` and ``my-image`` share one."""
    return f"arn:{_partition(region)}:sagemaker:{region}:{account_id}:image/{image_name.lower()}"


def image_version_arn(region: str, account_id: str, image_name: str, version: int) -> str:
    return f"arn:{_partition(region)}:sagemaker:{region}:{account_id}:image-version/{image_name.lower()}/{version}"


def container_image_for(image_name: str, version: int, base_image: str) -> str:
    """The ``ContainerImage`` the emulator reports for a version: deterministic, so tests can predict it.

    It is the base image's repository (tag or digest stripped) pinned to
    ``sha256("<image name>\\n<version>\\n<base image>")``, mimicking the digest-pinned URI SageMaker
    reports for the copy it makes.
    """
    digest = hashlib.sha256(f"{image_name}\n{version}\n{base_image}".encode()).hexdigest()
    repository = base_image.split("@", 1)[0]
    slash, colon = repository.rfind("/"), repository.rfind(":")
    if colon > slash:  # a colon before the last slash is a registry port, not a tag
        repository = repository[:colon]
    suffix = f"@sha256:{digest}"
    return repository[: _CONTAINER_IMAGE_MAX - len(suffix)] + suffix


@dataclass
class _Version:
    number: int
    base_image: str
    container_image: str
    status: str
    created: datetime
    modified: datetime
    #: VERSION_METADATA_FIELDS and FailureReason, only those that are set.
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Image:
    name: str
    role_arn: str
    created: datetime
    modified: datetime
    status: str = "CREATED"
    #: DisplayName, Description, FailureReason, only those that are set.
    fields: dict[str, Any] = field(default_factory=dict)
    tags: list[dict[str, str]] = field(default_factory=list)
    versions: dict[int, _Version] = field(default_factory=dict)
    #: Highest number ever handed out: AWS never reuses a deleted version's number.
    last_version: int = 0
    aliases: dict[str, int] = field(default_factory=dict)
    client_tokens: dict[str, int] = field(default_factory=dict)

    def aliases_of(self, number: int) -> list[str]:
        return sorted(alias for alias, holder in self.aliases.items() if holder == number)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ImageStore:
    """Thread-safe in-memory SageMaker image state for one account and region.

    One re-entrant lock guards everything; no method sleeps or does I/O while holding it.
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.region = region
        self.account_id = account_id
        self._clock = clock
        self._lock = threading.RLock()
        self._images: dict[str, _Image] = {}
        self._last_tick: datetime | None = None
        self._handlers: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
            "CreateImage": self._create_image,
            "DescribeImage": self._describe_image,
            "DeleteImage": self._delete_image,
            "CreateImageVersion": self._create_image_version,
            "DescribeImageVersion": self._describe_image_version,
            "ListImageVersions": self._list_image_versions,
            "UpdateImageVersion": self._update_image_version,
            "DeleteImageVersion": self._delete_image_version,
            "ListAliases": self._list_aliases,
        }

    # -- entry points ---------------------------------------------------------------------------

    def call(self, operation: str, params: Any) -> dict[str, Any]:
        """Validate ``params`` (JSON-decoded) against the model, then perform the operation."""
        if operation not in self._handlers:
            raise ApiError("UnknownOperationException", f"Operation {operation} is not supported by the emulator.")
        model = operation_model(operation)
        validate_request(model, params)
        return self.handle(operation, decode_request(model, params))

    def handle(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Perform an already validated and decoded request."""
        # A request naming both is malformed whether or not the image exists: say so first.
        if params.get("Version") is not None and params.get("Alias") is not None:
            raise ApiError.validation(_VERSION_AND_ALIAS)
        with self._lock:
            return self._handlers[operation](params)

    def resource_arn(self, params: Mapping[str, Any]) -> str:
        """The ARN IAM would authorize a request against: its image version when one is named."""
        name = params.get("ImageName")
        if not isinstance(name, str):
            return "*"
        version = params.get("Version")
        if isinstance(version, int) and not isinstance(version, bool):
            return image_version_arn(self.region, self.account_id, name, version)
        alias = params.get("Alias")
        with self._lock:
            image = self._images.get(name.lower())
            if image is not None and isinstance(alias, str) and alias in image.aliases:
                return image_version_arn(self.region, self.account_id, name, image.aliases[alias])
        return image_arn(self.region, self.account_id, name)

    # -- helpers --------------------------------------------------------------------------------

    def _tick(self) -> datetime:
        """Now, at AWS's millisecond precision, strictly after every earlier tick.

        Strictly increasing times keep CREATION_TIME ordering equal to creation order and make
        every update visibly move LastModifiedTime, however fast a test runs.
        """
        now = self._clock().astimezone(timezone.utc)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if self._last_tick is not None and now <= self._last_tick:
            now = self._last_tick + timedelta(milliseconds=1)
        self._last_tick = now
        return now

    def _image(self, name: str) -> _Image:
        # SageMaker image names are case-insensitive (the ARN lowercases them) but case-preserving.
        image = self._images.get(name.lower())
        if image is None:
            raise ApiError.not_found(f"Image {name} does not exist.")
        return image

    def _select(self, image: _Image, params: Mapping[str, Any], *, default_latest: bool) -> _Version:
        name = params["ImageName"]
        number, alias = params.get("Version"), params.get("Alias")
        if number is not None and alias is not None:
            raise ApiError.validation(_VERSION_AND_ALIAS)
        if number is not None:
            version = image.versions.get(number)
            if version is None:
                raise ApiError.not_found(f"Image version {number} of image {name} does not exist.")
            return version
        if alias is not None:
            if alias not in image.aliases:
                raise ApiError.not_found(f"Alias {alias} does not exist for image {name}.")
            return image.versions[image.aliases[alias]]
        if not default_latest:
            raise ApiError.validation("Either Version or Alias must be specified.")
        if not image.versions:
            raise ApiError.not_found(f"No versions exist for image {name}.")
        return image.versions[max(image.versions)]

    def _claim_aliases(self, image: _Image, aliases: Iterable[str], number: int | None) -> None:
        """Fail if any alias already belongs to a version other than ``number``."""
        for alias in aliases:
            holder = image.aliases.get(alias)
            if holder is not None and holder != number:
                raise ApiError.validation(
                    f"Alias {alias} is already associated with version {holder} of image {image.name}."
                )

    def _touch(self, version: _Version) -> None:
        version.modified = self._tick()

    def _version_arn(self, image: _Image, number: int) -> str:
        return image_version_arn(self.region, self.account_id, image.name, number)

    def _encode_token(self, operation: str, image: _Image, query: Any, cursor: Any) -> str:
        document = {"o": operation, "i": image.name.lower(), "q": query, "c": cursor}
        return base64.urlsafe_b64encode(json.dumps(document, separators=(",", ":")).encode()).decode()

    def _decode_token(self, token: str | None, operation: str, image: _Image, query: Any) -> Any:
        """The cursor a NextToken carries; a token from another query is refused, as AWS does."""
        if not token:
            return None
        try:
            document = json.loads(base64.urlsafe_b64decode(token.encode()))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            document = None
        if (
            not isinstance(document, dict)
            or document.get("o") != operation
            or document.get("i") != image.name.lower()
            or document.get("q") != query
        ):
            raise ApiError.validation("Invalid pagination token.")
        return document.get("c")

    # -- operations -----------------------------------------------------------------------------

    def _create_image(self, params: Mapping[str, Any]) -> dict[str, Any]:
        name = params["ImageName"]
        if name.lower() in self._images:
            raise ApiError.in_use(f"Image {name} already exists.")
        now = self._tick()
        image = _Image(name=name, role_arn=params["RoleArn"], created=now, modified=now)
        for key in ("DisplayName", "Description"):
            if key in params:
                image.fields[key] = params[key]
        image.tags = [dict(tag) for tag in params.get("Tags", ())]
        self._images[name.lower()] = image
        return {"ImageArn": image_arn(self.region, self.account_id, name)}

    def _describe_image(self, params: Mapping[str, Any]) -> dict[str, Any]:
        image = self._image(params["ImageName"])
        return {
            "CreationTime": image.created,
            **image.fields,
            "ImageArn": image_arn(self.region, self.account_id, image.name),
            "ImageName": image.name,
            "ImageStatus": image.status,
            "LastModifiedTime": image.modified,
            "RoleArn": image.role_arn,
        }

    def _delete_image(self, params: Mapping[str, Any]) -> dict[str, Any]:
        image = self._image(params["ImageName"])
        del self._images[image.name.lower()]
        return {}

    def _create_image_version(self, params: Mapping[str, Any]) -> dict[str, Any]:
        image = self._image(params["ImageName"])
        token = params["ClientToken"]
        if token in image.client_tokens:
            # A retried create (same ClientToken) must not mint a second version.
            return {"ImageVersionArn": self._version_arn(image, image.client_tokens[token])}
        aliases = list(dict.fromkeys(params.get("Aliases", ())))
        self._claim_aliases(image, aliases, None)
        number = image.last_version + 1
        self._add_version(image, number, params["BaseImage"], aliases, params)
        image.client_tokens[token] = number
        return {"ImageVersionArn": self._version_arn(image, number)}

    def _add_version(
        self, image: _Image, number: int, base_image: str, aliases: Sequence[str], fields: Mapping[str, Any]
    ) -> _Version:
        now = self._tick()
        version = _Version(
            number=number,
            base_image=base_image,
            container_image=container_image_for(image.name, number, base_image),
            # The emulator skips the CREATING phase: a version is usable as soon as it exists.
            status="CREATED",
            created=now,
            modified=now,
            fields={key: fields[key] for key in VERSION_METADATA_FIELDS if key in fields},
        )
        image.versions[number] = version
        image.last_version = max(image.last_version, number)
        for alias in aliases:
            image.aliases[alias] = number
        return version

    def _describe_image_version(self, params: Mapping[str, Any]) -> dict[str, Any]:
        image = self._image(params["ImageName"])
        version = self._select(image, params, default_latest=True)
        return {
            "BaseImage": version.base_image,
            "ContainerImage": version.container_image,
            "CreationTime": version.created,
            "ImageArn": image_arn(self.region, self.account_id, image.name),
            "ImageVersionArn": self._version_arn(image, version.number),
            "ImageVersionStatus": version.status,
            "LastModifiedTime": version.modified,
            "Version": version.number,
            **version.fields,
        }

    def _list_image_versions(self, params: Mapping[str, Any]) -> dict[str, Any]:
        image = self._image(params["ImageName"])
        sort_by = params.get("SortBy", "CREATION_TIME")
        descending = params.get("SortOrder", "DESCENDING") == "DESCENDING"

        def sort_key(version: _Version) -> list[int]:
            if sort_by == "VERSION":
                return [version.number]
            moment = version.created if sort_by == "CREATION_TIME" else version.modified
            return [round(moment.timestamp() * 1000), version.number]

        cursor = self._decode_token(params.get("NextToken"), "ListImageVersions", image, [sort_by, descending])
        if cursor is not None and not (
            isinstance(cursor, list) and all(isinstance(part, int) and not isinstance(part, bool) for part in cursor)
        ):
            raise ApiError.validation("Invalid pagination token.")
        limits: dict[str, Callable[[_Version, datetime], bool]] = {
            "CreationTimeAfter": lambda v, t: v.created > t,
            "CreationTimeBefore": lambda v, t: v.created < t,
            "LastModifiedTimeAfter": lambda v, t: v.modified > t,
            "LastModifiedTimeBefore": lambda v, t: v.modified < t,
        }
        selected = [
            version
            for version in image.versions.values()
            if all(test(version, params[key]) for key, test in limits.items() if key in params)
        ]
        selected.sort(key=sort_key, reverse=descending)
        if cursor is not None:
            selected = [v for v in selected if (sort_key(v) < cursor if descending else sort_key(v) > cursor)]
        page_size = params.get("MaxResults", _DEFAULT_PAGE_SIZE)
        page = selected[:page_size]
        result: dict[str, Any] = {
            "ImageVersions": [
                {
                    "CreationTime": version.created,
                    **({"FailureReason": version.fields["FailureReason"]} if "FailureReason" in version.fields else {}),
                    "ImageArn": image_arn(self.region, self.account_id, image.name),
                    "ImageVersionArn": self._version_arn(image, version.number),
                    "ImageVersionStatus": version.status,
                    "LastModifiedTime": version.modified,
                    "Version": version.number,
                }
                for version in page
            ]
        }
        if len(selected) > page_size:
            result["NextToken"] = self._encode_token(
                "ListImageVersions", image, [sort_by, descending], sort_key(page[-1])
            )
        return result

    def _update_image_version(self, params: Mapping[str, Any]) -> dict[str, Any]:
        image = self._image(params["ImageName"])
        version = self._select(image, params, default_latest=True)
        to_add = list(dict.fromkeys(params.get("AliasesToAdd", ())))
        to_delete = list(dict.fromkeys(params.get("AliasesToDelete", ())))
        both = sorted(set(to_add) & set(to_delete))
        if both:
            raise ApiError.validation(f"Alias {both[0]} cannot be both added and deleted.")
        self._claim_aliases(image, to_add, version.number)
        for alias in to_delete:
            if image.aliases.get(alias) != version.number:
                raise ApiError.validation(
                    f"Alias {alias} is not associated with version {version.number} of image {image.name}."
                )
        for alias in to_delete:
            del image.aliases[alias]
        for alias in to_add:
            image.aliases[alias] = version.number
        version.fields.update({key: params[key] for key in VERSION_METADATA_FIELDS if key in params})
        self._touch(version)
        return {"ImageVersionArn": self._version_arn(image, version.number)}

    def _delete_image_version(self, params: Mapping[str, Any]) -> dict[str, Any]:
        image = self._image(params["ImageName"])
        version = self._select(image, params, default_latest=False)
        del image.versions[version.number]
        image.aliases = {alias: n for alias, n in image.aliases.items() if n != version.number}
        return {}

    def _list_aliases(self, params: Mapping[str, Any]) -> dict[str, Any]:
        image = self._image(params["ImageName"])
        if params.get("Version") is None and params.get("Alias") is None:
            number: int | None = None
            aliases = sorted(image.aliases)
        else:
            # Version or Alias picks one image version; its aliases are listed (the named one too).
            number = self._select(image, params, default_latest=False).number
            aliases = image.aliases_of(number)
        cursor = self._decode_token(params.get("NextToken"), "ListAliases", image, number)
        if cursor is not None and not isinstance(cursor, str):
            raise ApiError.validation("Invalid pagination token.")
        if cursor is not None:
            aliases = [alias for alias in aliases if alias > cursor]
        page_size = params.get("MaxResults", _DEFAULT_PAGE_SIZE)
        result: dict[str, Any] = {"SageMakerImageVersionAliases": aliases[:page_size]}
        if len(aliases) > page_size:
            result["NextToken"] = self._encode_token("ListAliases", image, number, aliases[page_size - 1])
        return result

    # -- direct manipulation (tests and demos; no HTTP) ------------------------------------------

    def move_alias(self, image_name: str, alias: str, to_version: int) -> None:
        shape = operation_model("UpdateImageVersion").input_shape
        assert shape is not None
        request = {"ImageName": image_name, "Version": to_version, "AliasesToAdd": [alias]}
        _raise_violations(check_shape(shape, request))
        with self._lock:
            image = self._image(image_name)
            target = self._select(image, {"ImageName": image_name, "Version": to_version}, default_latest=False)
            previous = image.aliases.get(alias)
            if previous == to_version:
                return
            image.aliases[alias] = to_version
            self._touch(target)
            if previous is not None and previous in image.versions:
                self._touch(image.versions[previous])

    def set_version_fields(self, image_name: str, version: int, fields: Mapping[str, Any]) -> None:
        unknown = sorted(set(fields) - _SETTABLE_VERSION_FIELDS)
        if unknown:
            raise ApiError.validation(
                f"Cannot set {', '.join(unknown)}; settable fields: {', '.join(sorted(_SETTABLE_VERSION_FIELDS))}."
            )
        cleared = sorted(key for key, value in fields.items() if value is None and key in _REQUIRED_VERSION_FIELDS)
        if cleared:
            raise ApiError.validation(f"Cannot clear {', '.join(cleared)}: every image version has it.")
        present = {key: value for key, value in fields.items() if value is not None}
        shape = operation_model("DescribeImageVersion").output_shape
        assert shape is not None
        _raise_violations(check_shape(shape, present, mode="output"))
        with self._lock:
            image = self._image(image_name)
            record = self._select(image, {"ImageName": image_name, "Version": version}, default_latest=False)
            if "ImageVersionStatus" in fields:
                record.status = present["ImageVersionStatus"]
            if "BaseImage" in present:
                record.base_image = present["BaseImage"]
                record.container_image = container_image_for(image.name, record.number, record.base_image)
            if "ContainerImage" in present:
                record.container_image = present["ContainerImage"]
            if "CreationTime" in present:
                record.created = present["CreationTime"]
            for key in (*VERSION_METADATA_FIELDS, "FailureReason"):
                if key in fields:
                    if fields[key] is None:
                        record.fields.pop(key, None)
                    else:
                        record.fields[key] = fields[key]
            if "LastModifiedTime" in present:
                record.modified = present["LastModifiedTime"]
            else:
                self._touch(record)

    def apply_seed(self, seed: Seed) -> None:
        """Create the seed's images and versions, all or nothing."""
        with self._lock:
            for index, entry in enumerate(seed.images):
                name = entry.request["ImageName"]
                if name.lower() in self._images:
                    raise SeedError(f"{seed.source}: Images[{index}].ImageName: image {name} already exists")
            for entry in seed.images:
                self._create_image(entry.request)
                image = self._images[entry.request["ImageName"].lower()]
                for seeded in entry.versions:
                    number = seeded.version if seeded.version is not None else image.last_version + 1
                    request = seeded.request
                    version = self._add_version(
                        image, number, request["BaseImage"], request.get("Aliases", ()), request
                    )
                    if "ClientToken" in request:
                        image.client_tokens[request["ClientToken"]] = number
                    if "ImageVersionStatus" in seeded.state:
                        version.status = seeded.state["ImageVersionStatus"]
                    if "FailureReason" in seeded.state:
                        version.fields["FailureReason"] = seeded.state["FailureReason"]

    def image_names(self) -> list[str]:
        with self._lock:
            return sorted(image.name for image in self._images.values())

    def inventory(self) -> list[tuple[str, list[int], dict[str, int]]]:
        """Each image's name, version numbers and aliases (alias -> version), sorted by name."""
        with self._lock:
            return [
                (image.name, sorted(image.versions), dict(sorted(image.aliases.items(), key=lambda item: item[1])))
                for image in sorted(self._images.values(), key=lambda image: image.name)
            ]


def _raise_violations(violations: Sequence[Violation]) -> None:
    if violations:
        raise ApiError.validation(format_validation_message(violations))


# ---------------------------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------------------------


class SeedError(ValueError):
    """A seed document that cannot be loaded; the message names the file, the path and the rule."""


@dataclass(frozen=True)
class SeedVersion:
    #: CreateImageVersion parameters (API names), without ImageName.
    request: Mapping[str, Any]
    #: Explicit version number, to leave gaps where versions were "deleted".
    version: int | None = None
    #: ImageVersionStatus / FailureReason to force after creation.
    state: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SeedImage:
    #: CreateImage parameters (API names).
    request: Mapping[str, Any]
    versions: tuple[SeedVersion, ...] = ()


@dataclass(frozen=True)
class Seed:
    """A parsed, validated seed document."""

    source: str
    images: tuple[SeedImage, ...] = ()
    faults: Mapping[str, tuple[Fault, ...]] = field(default_factory=dict)


_SEED_KEYS = ("Images", "Faults")
_SEED_VERSION_STATE = ("ImageVersionStatus", "FailureReason")


def _read_seed_document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SeedError(f"{path}: cannot read seed file: {error}") from error
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError as error:
            raise SeedError(
                f"{path}: reading a YAML seed needs PyYAML, which is not installed; install the emulator's extra "
                "with `pip install 'pulumi-sagemaker-image[testing]'`, or give a JSON seed"
            ) from error
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise SeedError(f"{path}: not valid YAML: {error}") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SeedError(f"{path}: not valid JSON: {error}") from error


def sample_seed_path() -> Path:
    """The sample images (``demo-pytorch``, ``demo-sklearn``) the CLI's emulator and demo serve.

    ``SageMakerImageEmulator()`` starts empty; pass this path to serve the sample images in a test.
    """
    return Path(__file__).with_name("sample_seed.json")


def load_seed(seed: str | os.PathLike[str] | Mapping[str, Any] | Seed) -> Seed:
    """Parse and validate a seed (a JSON/YAML file path or an already loaded mapping).

    Every value is checked with the rules AWS applies to the CreateImage / CreateImageVersion
    requests that would have created it. All problems are reported at once.
    """
    if isinstance(seed, Seed):
        return seed
    if isinstance(seed, Mapping):
        source, document = "<seed mapping>", seed
    else:
        path = Path(seed)
        source, document = str(path), _read_seed_document(path)
    problems: list[str] = []
    parsed = _parse_seed(document, problems)
    if problems:
        if len(problems) == 1:
            raise SeedError(f"{source}: {problems[0]}")
        raise SeedError(f"{source}: {len(problems)} problems:\n  " + "\n  ".join(problems))
    images, faults = parsed
    return Seed(source=source, images=images, faults=faults)


def _parse_seed(document: Any, problems: list[str]) -> tuple[tuple[SeedImage, ...], dict[str, tuple[Fault, ...]]]:
    if document is None:
        document = {}
    if not isinstance(document, Mapping):
        problems.append(f"(document): a seed must be an object with {' / '.join(_SEED_KEYS)}")
        return (), {}
    for key in document:
        if key not in _SEED_KEYS:
            problems.append(f"{key}: unknown top-level key (expected {', '.join(_SEED_KEYS)})")
    images_document = document.get("Images", [])
    images: list[SeedImage] = []
    if not isinstance(images_document, list):
        problems.append("Images: must be a list of images")
    else:
        seen: dict[str, int] = {}
        for index, entry in enumerate(images_document):
            image = _parse_seed_image(entry, f"Images[{index}]", problems)
            if image is None:
                continue
            key = str(image.request.get("ImageName", "")).lower()
            if key in seen:
                problems.append(
                    f"Images[{index}].ImageName: duplicates Images[{seen[key]}] (names are case-insensitive)"
                )
            seen[key] = index
            images.append(image)
    faults_document = document.get("Faults", {})
    faults: dict[str, tuple[Fault, ...]] = {}
    if not isinstance(faults_document, Mapping):
        problems.append("Faults: must be an object mapping operation names to lists of faults")
    else:
        for operation, entries in faults_document.items():
            where = f"Faults.{operation}"
            if operation != "*" and operation not in SERVED_OPERATIONS:
                problems.append(f"{where}: unknown operation (expected one of {', '.join(SERVED_OPERATIONS)} or *)")
                continue
            if not isinstance(entries, list):
                problems.append(f"{where}: must be a list of faults")
                continue
            parsed: list[Fault] = []
            for position, entry in enumerate(entries):
                try:
                    parsed.append(fault_from_document(entry))
                except ValueError as error:
                    problems.append(f"{where}[{position}]: {error}")
            faults[operation] = tuple(parsed)
    return tuple(images), faults


def _violation_problems(prefix: str, violations: Iterable[Violation]) -> list[str]:
    return [f"{prefix}.{v.document_message()}" if v.path else f"{prefix}: {v.document_message()}" for v in violations]


def _parse_seed_image(entry: Any, where: str, problems: list[str]) -> SeedImage | None:
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: an image must be an object")
        return None
    request = {key: value for key, value in entry.items() if key != "Versions"}
    request.setdefault("RoleArn", DEFAULT_ROLE_ARN)
    shape = operation_model("CreateImage").input_shape
    assert shape is not None
    found = check_shape(shape, request)
    problems.extend(_violation_problems(where, found))
    if found:
        return None
    name = request["ImageName"]
    versions_document = entry.get("Versions", [])
    if not isinstance(versions_document, list):
        problems.append(f"{where}.Versions: must be a list of versions")
        return None
    versions: list[SeedVersion] = []
    alias_holders: dict[str, int] = {}
    last_number = 0
    for position, version_entry in enumerate(versions_document):
        version = _parse_seed_version(version_entry, name, f"{where}.Versions[{position}]", problems)
        if version is None:
            continue
        number = version.version if version.version is not None else last_number + 1
        if number <= last_number:
            problems.append(
                f"{where}.Versions[{position}].Version: must be greater than the previous version ({last_number})"
            )
            continue
        last_number = number
        for alias_index, alias in enumerate(version.request.get("Aliases", ())):
            if alias_holders.get(alias, number) != number:
                problems.append(
                    f"{where}.Versions[{position}].Aliases[{alias_index}]: alias {alias!r} already belongs "
                    f"to version {alias_holders[alias]} (an alias names at most one version)"
                )
            alias_holders[alias] = number
        versions.append(version)
    return SeedImage(request=request, versions=tuple(versions))


def _parse_seed_version(entry: Any, image_name: str, where: str, problems: list[str]) -> SeedVersion | None:
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: a version must be an object")
        return None
    number = entry.get("Version")
    state = {key: entry[key] for key in _SEED_VERSION_STATE if key in entry}
    request = {key: value for key, value in entry.items() if key not in ("Version", *_SEED_VERSION_STATE)}
    # CreateImageVersion requires these; the seed implies them.
    checked = {"ImageName": image_name, "ClientToken": request.get("ClientToken", str(uuid.uuid4())), **request}
    before = len(problems)
    input_shape = operation_model("CreateImageVersion").input_shape
    output_shape = operation_model("DescribeImageVersion").output_shape
    assert input_shape is not None
    assert output_shape is not None
    problems.extend(_violation_problems(where, check_shape(input_shape, checked)))
    problems.extend(_violation_problems(where, check_shape(output_shape, state, mode="output")))
    if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 1):
        problems.append(f"{where}.Version: must be an integer >= 1, got {number!r}")
    if len(problems) > before:
        return None
    return SeedVersion(request=request, version=number, state=state)
