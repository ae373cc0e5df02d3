# Everything is built from nothing but Python (and Go, for the Pulumi CLI the end-to-end tests use).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
LINT_PATHS := provider tests examples $(wildcard benchmarks) tools/compat.py tools/wheelhouse.py tools/dist.py
# Where the engine downloads the plugin archives (schema.json's pluginDownloadURL, carried by the SDKs).
# Empty: the release page (schema.py's DEFAULT_PLUGIN_DOWNLOAD_URL). `make dist PLUGIN_DOWNLOAD_URL=URL`
# builds every artifact for a mirror instead.
PLUGIN_DOWNLOAD_URL ?=
# The mutation-testing driver is linted and type-checked like the package.
LINT_PATHS += tools/mutation.py

.PHONY: help venv lint test test-fast e2e demo pulumi-cli schema sdks sdk-deps wheelhouse dist pulumi-cli-newest compat compat-ci bench clean

help:
	@echo "make demo        pulumi up, an alias moves, preview --expect-no-changes fails, drift: a throwaway"
	@echo "                 stack on the emulator's sample images (builds the Pulumi CLI first if Go is here;"
	@echo "                 without Go: the library alone)"
	@echo "make test        lint, type-check, build the Pulumi CLI (if Go is here) and run every test"
	@echo "make test-fast   the tests without the real-engine (e2e) ones"
	@echo "make pulumi-cli  build pulumi v3.259.0 with Pulumi's own v3.259.0 Python, Node.js and Go language hosts"
	@echo "                 (from ../shared/vendor), the YAML host and pulumi-gen-sdk into .tools/bin"
	@echo "make schema      regenerate schema.json from the models"
	@echo "make sdks        regenerate schema.json and the TypeScript and Go SDKs (sdk/nodejs, sdk/go) from it"
	@echo "make dist        every release artifact into dist/: wheel, sdist, the plugin archives, the npm package,"
	@echo "                 SHA256SUMS (PLUGIN_DOWNLOAD_URL=URL: for a plugin mirror; see docs/releasing.md)"
	@echo "make sdk-deps    fetch the npm packages and Go modules the TypeScript and Go SDK tests install"
	@echo "make compat      the suite on Pythons 3.10-3.13 with the oldest and newest pulumi wheels, at the"
	@echo "                 declared minimums of boto3/pydantic, and e2e under a newer Pulumi CLI; prints the matrix"
	@echo "                 (before a release, about 40 min); CI runs make compat-ci: the declared minimums cell"
	@echo "make bench       run the benchmark suite (not part of make test)"
	@echo "make mutation    mutation testing of the rule modules, the lookup and the plugin's protocol, per-module"
	@echo "                 score (not part of make test)"

$(STAMP): pyproject.toml constraints.txt
	@echo "==> creating $(VENV) and installing the package with its dev tools"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -c constraints.txt
	@touch $@

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy
	$(BIN)/mypy --strict tests $(wildcard benchmarks) tools/compat.py tools/wheelhouse.py tools/dist.py
	$(BIN)/mypy --strict tools/mutation.py
	@# Each example is its own program named __main__, so each is checked on its own.
	@for example in examples/*/__main__.py; do $(BIN)/mypy --strict "$$example" || exit 1; done

# The real-engine tests need the Pulumi CLI and its language hosts; build them wherever Go is available.
# Without Go (or, for the hosts, ../shared) those tests skip with a reason, unless CI or REQUIRE_PULUMI_E2E
# is set, which makes them fail instead.
pulumi-cli:
	bash tools/pulumi/build.sh

test: lint
	@if command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ]; then $(MAKE) --no-print-directory pulumi-cli; \
	else echo "==> go not found: end-to-end tests will skip"; fi
	$(MAKE) --no-print-directory sdk-deps wheelhouse
	@# The end-to-end tests one at a time (each drives a whole Pulumi CLI), then the fast suite on both
	@# cores (as make compat runs it); both always run, and either failing fails the target.
	@status=0; \
	$(BIN)/pytest -m e2e $(PYTEST_ARGS) || status=$$?; \
	$(BIN)/pytest -m "not e2e" -n 2 $(PYTEST_ARGS) || status=$$?; \
	exit $$status

test-fast: $(STAMP)
	$(BIN)/pytest -m "not e2e" $(PYTEST_ARGS)

e2e: $(STAMP) pulumi-cli wheelhouse sdk-deps
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/pulumi-sagemaker-image demo

schema: $(STAMP)
	$(BIN)/pulumi-sagemaker-image schema --output schema.json $(if $(PLUGIN_DOWNLOAD_URL),--plugin-download-url $(PLUGIN_DOWNLOAD_URL))

# The generators write into fresh directories, as `pulumi package gen-sdk` does, so a type the schema
# no longer has leaves no file behind.
sdks: schema pulumi-cli
	rm -rf sdk/nodejs sdk/go
	.tools/bin/pulumi-gen-sdk -language nodejs schema.json sdk/nodejs >/dev/null
	.tools/bin/pulumi-gen-sdk -language go schema.json sdk/go >/dev/null

# The tests install these offline (npm ci --offline, GOPROXY=off): fetch them here, where the network is allowed.
sdk-deps:
	bash tools/sdk-deps.sh

# The wheel test installs the built wheel into a fresh venv offline (pip --no-index): fetch the wheels of
# its dependencies here, where the network is allowed.
wheelhouse: $(STAMP)
	$(BIN)/python tools/wheelhouse.py

# The release artifacts (docs/releasing.md). The install tests (tests/e2e/test_install_*.py) build their
# own, for their loopback server, so `make test` does not need this.
dist: $(STAMP) pulumi-cli sdk-deps
	PLUGIN_DOWNLOAD_URL='$(PLUGIN_DOWNLOAD_URL)' $(BIN)/python tools/dist.py

# The Pulumi CLI `make compat` runs the end-to-end tests under, built beside the one in .tools/bin.
pulumi-cli-newest:
	bash tools/pulumi-newest/build.sh >/dev/null

# Supported versions, tested one after another (see tools/compat.py); not part of `make test`, CI runs it after.
# It builds the newer CLI itself (tools/pulumi-newest/build.sh; up-to-date builds are skipped).
compat: $(STAMP) pulumi-cli wheelhouse sdk-deps
	$(BIN)/python tools/compat.py

# What CI runs of the matrix after `make test` (which covers this venv's Python, 3.11, with the pinned
# constraints): the declared minimums of pulumi, boto3/botocore and pydantic on the oldest Python, the
# fast suite. The rest of the matrix runs before a release (docs/testing.md).
compat-ci: $(STAMP)
	$(BIN)/python tools/compat.py --only minimums

bench: $(STAMP) pulumi-cli
	$(BIN)/python -m benchmarks

# Mutation testing (docs/testing.md): Cosmic Ray over the modules that decide what an ImageVersion is and
# what users see when AWS is involved (the lookup, the plugin's protocol),
# with their fast tests; prints the score per module. MUTATION_ARGS="-m drift" runs one module.
.PHONY: mutation
mutation: $(STAMP)
	$(BIN)/python tools/mutation.py $(MUTATION_ARGS)

clean:
	rm -rf $(VENV) .tools dist .mypy_cache .ruff_cache .pytest_cache .hypothesis .mutation
