import * as pulumi from "@pulumi/pulumi";
import * as sagemakerimage from "pulumi-sagemaker-image";

const config = new pulumi.Config();
const imageName = config.get("imageName") ?? "demo-pytorch";
const alias = config.get("alias") ?? "stable";

// A data source, like aws.ec2.getAmi: it runs in every preview and up and writes nothing to state.
const image = sagemakerimage.getImageVersionOutput({ imageName, alias });

// Stands in for what runs the image (an aws.sagemaker.Model, an ECS task definition). Pulumi's
// built-in Stash keeps the value it is given in state and needs no cloud; when the alias moves,
// preview shows this input changing and `up` rolls the new image out.
const model = new pulumi.Stash("model", { input: image.containerImage });

// The same lookup as a resource, pinned: state keeps the version the alias had at the first `up`
// until you move it on purpose; currentVersion (and a warning) show where the alias is now.
const pinned = new sagemakerimage.ImageVersion("pinned", { imageName, alias }, { ignoreChanges: ["pinnedVersion"] });

export const containerImage = image.containerImage;
export const version = image.version;
export const deployedImage = model.input;
export const pinnedImage = pinned.containerImage;
export const pinnedVersion = pinned.version;
export const currentVersion = pinned.currentVersion;
