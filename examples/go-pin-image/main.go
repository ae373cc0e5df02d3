// Command go-pin-image is an ordinary Pulumi Go program (`runtime: go`): it looks a SageMaker image up
// by alias with the generated SDK (sdk/go) and feeds its container image to what runs it.
//
//	pulumi config set go-pin-image:alias stable   # optional: imageName (demo-pytorch), alias (stable)
//	pulumi preview | pulumi up | pulumi destroy
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"pulumi-sagemaker-image/sdk/go/sagemakerimage"
)

// deployModel stands in for the resource that runs the image and needs no cloud: Pulumi's built-in
// Stash keeps the image in state, and preview shows it changing when the alias moves.
func deployModel(ctx *pulumi.Context, name string, containerImage pulumi.StringInput) (pulumi.StringOutput, error) {
	model, err := pulumi.NewStash(ctx, name, &pulumi.StashArgs{Input: containerImage})
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return pulumi.Sprintf("%v", model.Input), nil
}

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		imageName := cfg.Get("imageName")
		if imageName == "" {
			imageName = "demo-pytorch"
		}
		alias := cfg.Get("alias")
		if alias == "" {
			alias = "stable"
		}

		// A data source, like aws.ec2.getAmi: it runs in every preview and up and writes nothing to state.
		image := sagemakerimage.LookupImageVersionOutput(ctx, sagemakerimage.LookupImageVersionOutputArgs{
			ImageName: pulumi.String(imageName),
			Alias:     pulumi.String(alias),
		})

		// What runs the image takes it as a pulumi.StringInput, like sagemaker.Model's container image;
		// ContainerImage() is a pulumi.StringOutput, so it fits as it is.
		deployed, err := deployModel(ctx, "model", image.ContainerImage())
		if err != nil {
			return err
		}

		// The same lookup as a resource, pinned: state keeps the version the alias had at the first `up`.
		pinned, err := sagemakerimage.NewImageVersion(ctx, "pinned", &sagemakerimage.ImageVersionArgs{
			ImageName: pulumi.String(imageName),
			Alias:     pulumi.String(alias),
		}, pulumi.IgnoreChanges([]string{"pinnedVersion"}))
		if err != nil {
			return err
		}

		ctx.Export("containerImage", image.ContainerImage())
		ctx.Export("version", image.Version())
		ctx.Export("deployedImage", deployed)
		ctx.Export("pinnedImage", pinned.ContainerImage)
		ctx.Export("pinnedVersion", pinned.Version)
		ctx.Export("currentVersion", pinned.CurrentVersion)
		return nil
	})
}
