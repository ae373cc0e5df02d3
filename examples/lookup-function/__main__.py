"""Look image versions up without putting anything in state.

``get_image_version`` takes plain values and returns the result at once; ``get_image_version_output``
takes inputs (such as another resource's outputs) and returns an Output of the same result.
"""

import pulumi

from pulumi_sagemaker_image import get_image_version, get_image_version_output

config = pulumi.Config()
image_name = config.get("imageName") or "demo-pytorch"
alias = config.get("alias") or "stable"
endpoint_url = config.get("endpointUrl")

# Plain values: resolved while the program runs, usable in ordinary Python.
stable = get_image_version(image_name, alias=alias, endpoint_url=endpoint_url)
pulumi.log.info(f"{image_name}@{alias} is version {stable.version}")

# Inputs: here the name comes through an Output, as it would from another resource.
name_output = pulumi.Output.from_input(image_name)
latest = get_image_version_output(name_output, endpoint_url=endpoint_url)

pulumi.export("stableVersion", stable.version)
pulumi.export("stableImage", stable.container_image)
pulumi.export("latestVersion", latest.apply(lambda info: info.version))
pulumi.export("latestImage", latest.apply(lambda info: info.container_image))
pulumi.export("latestAliases", latest.apply(lambda info: list(info.aliases)))
