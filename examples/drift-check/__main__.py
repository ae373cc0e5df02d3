"""Follow an alias and the latest version of an image; CI fails when either resolves differently.

Run ``pulumi preview --expect-no-changes`` in CI (see README.md): it exits non-zero as soon as an alias
moves, a newer version appears, or a version's status or vendor guidance changes.
"""

import pulumi

from pulumi_sagemaker_image import ImageVersion

config = pulumi.Config()
image_name = config.get("imageName") or "demo-pytorch"
alias = config.get("alias") or "stable"
endpoint_url = config.get("endpointUrl")

by_alias = ImageVersion("by-alias", image_name=image_name, alias=alias, endpoint_url=endpoint_url)
latest = ImageVersion("latest", image_name=image_name, endpoint_url=endpoint_url)

pulumi.export("aliasVersion", by_alias.version)
pulumi.export("aliasImage", by_alias.container_image)
pulumi.export("latestVersion", latest.version)
pulumi.export("latestImage", latest.container_image)
