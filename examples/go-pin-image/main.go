// Command go-pin-image looks a SageMaker image up by alias and feeds its container image to what
// runs it, from Go, with the generated SDK (sdk/go).
//
// pinImage is an ordinary Pulumi Go program. main runs it with the Automation API as an inline
// program (auto.UpsertStackInlineSource): the program serves its own language runtime to the
// Pulumi CLI, so no Go language host (pulumi-language-go) is needed.
//
//	go run . [-stack dev] [-image demo-pytorch] [-alias stable] [-endpoint-url URL] preview|up|destroy
//
// The stack lives wherever `pulumi login` (or PULUMI_BACKEND_URL) points. `up` prints the stack's
// outputs as JSON on stdout; the engine's progress goes to stderr.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"pulumi-sagemaker-image/sdk/go/sagemakerimage"
)

const project = "go-pin-image"

func pinImage(ctx *pulumi.Context) error {
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
}

// deployModel stands in for the resource that runs the image and needs no cloud: Pulumi's built-in
// Stash keeps the image in state, and preview shows it changing when the alias moves.
func deployModel(ctx *pulumi.Context, name string, containerImage pulumi.StringInput) (pulumi.StringOutput, error) {
	model, err := pulumi.NewStash(ctx, name, &pulumi.StashArgs{Input: containerImage})
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return pulumi.Sprintf("%v", model.Input), nil
}

func run() error {
	stackName := flag.String("stack", "dev", "the stack to run")
	imageName := flag.String("image", "demo-pytorch", "the SageMaker image to look up")
	alias := flag.String("alias", "stable", "the alias to resolve")
	endpointURL := flag.String("endpoint-url", "", "a SageMaker endpoint, e.g. the emulator's (sagemaker-image:endpointUrl)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [flags] preview|up|destroy\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}

	ctx := context.Background()
	stack, err := auto.UpsertStackInlineSource(ctx, *stackName, project, pinImage)
	if err != nil {
		return err
	}
	settings := auto.ConfigMap{
		project + ":imageName": auto.ConfigValue{Value: *imageName},
		project + ":alias":     auto.ConfigValue{Value: *alias},
	}
	if *endpointURL != "" {
		settings["sagemaker-image:endpointUrl"] = auto.ConfigValue{Value: *endpointURL}
	}
	if err := stack.SetAllConfig(ctx, settings); err != nil {
		return err
	}

	switch command := flag.Arg(0); command {
	case "preview":
		_, err = stack.Preview(ctx, optpreview.Diff(), optpreview.ProgressStreams(os.Stderr))
		return err
	case "up":
		result, err := stack.Up(ctx, optup.ProgressStreams(os.Stderr))
		if err != nil {
			return err
		}
		outputs := map[string]any{}
		for name, output := range result.Outputs {
			outputs[name] = output.Value
		}
		return json.NewEncoder(os.Stdout).Encode(outputs)
	case "destroy":
		_, err = stack.Destroy(ctx, optdestroy.ProgressStreams(os.Stderr))
		return err
	default:
		return fmt.Errorf("unknown command %q: use preview, up or destroy", command)
	}
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "go-pin-image: %v\n", err)
		os.Exit(1)
	}
}
