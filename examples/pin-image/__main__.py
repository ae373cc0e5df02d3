"""Pin the container image a deployment runs to whatever an image alias resolves to.

The dependent here is a stand-in that needs no cloud (``ModelDeployment``, a dynamic resource of this
example that just records the image it was given); in a real stack the same ``container_image`` output
feeds ``aws.sagemaker.Model`` or an ECS task definition (see README.md).
"""

from typing import Any

import pulumi
from pulumi import dynamic

from pulumi_sagemaker_image import ImageVersion

config = pulumi.Config()
image_name = config.get("imageName") or "demo-pytorch"
alias = config.get("alias") or "stable"
# Leave unset against AWS; the tests point it at the local emulator.
endpoint_url = config.get("endpointUrl")
# `pin: true` keeps the first resolution until it is moved on purpose (see README.md).
pin = config.get_bool("pin") or False

image = ImageVersion(
    "training-image",
    image_name=image_name,
    alias=alias,
    endpoint_url=endpoint_url,
    opts=pulumi.ResourceOptions(ignore_changes=["pinnedVersion"] if pin else None),
)


class _DeploymentProvider(dynamic.ResourceProvider):
    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        return dynamic.CreateResult(id_="model-deployment", outs={"image": props["image"]})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        return dynamic.DiffResult(changes=olds.get("image") != news.get("image"))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        return dynamic.UpdateResult(outs={"image": news["image"]})


class ModelDeployment(dynamic.Resource):
    """Stands in for a SageMaker model or an ECS service: it runs the image it is given."""

    image: pulumi.Output[str]

    def __init__(self, name: str, image: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(_DeploymentProvider(), name, {"image": image}, opts)


deployment = ModelDeployment("model", image=image.container_image)

pulumi.export("containerImage", image.container_image)
pulumi.export("version", image.version)
pulumi.export("currentVersion", image.current_version)
pulumi.export("imageVersionArn", image.image_version_arn)
pulumi.export("deployedImage", deployment.image)
