from pulumi_sagemaker_image.cli import run

run()
