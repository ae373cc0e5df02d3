from pulumi_sagemaker_image.cli import main

raise SystemExit(main())
