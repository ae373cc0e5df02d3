import * as pulumi from "@pulumi/pulumi";
import * as sagemakerimage from "pulumi-sagemaker-image";

const config = new pulumi.Config();
const imageName = config.get("imageName") ?? "demo-pytorch";
const alias = config.get("alias") ?? "stable";

// A data source, like aws.ec2.getAmi: it runs in every preview and up and writes nothing to state.
const image = sagemakerimage.getImageVersionOutput({ imageName, alias });

// What runs the image takes it as a pulumi.Input<string>, like aws.sagemaker.Model's
// `primaryContainer.image`; containerImage is an Output<string>, so it fits as it is.
function deployModel(name: string, containerImage: pulumi.Input<string>): pulumi.Output<string> {
    // The stand-in for the model needs no cloud: Pulumi's built-in Stash keeps the image in state.
    // When the alias moves, preview shows this input changing and `up` rolls the new image out.
    const model = new pulumi.Stash(name, { input: containerImage });
    return model.input.apply((deployed) => String(deployed));
}
const deployed = deployModel("model", image.containerImage);

// The same lookup as a resource, pinned: state keeps the version the alias had at the first `up`
// until you move it on purpose; currentVersion (and a warning) show where the alias is now.
const pinned = new sagemakerimage.ImageVersion("pinned", { imageName, alias }, { ignoreChanges: ["pinnedVersion"] });

export const containerImage: pulumi.Output<string> = image.containerImage;
export const version = image.version;
export const deployedImage = deployed;
export const pinnedImage = pinned.containerImage;
export const pinnedVersion = pinned.version;
export const currentVersion = pinned.currentVersion;
