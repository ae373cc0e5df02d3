"""Benchmarks for pulumi-sagemaker-image: ``make bench`` (``python -m benchmarks [--quick]``).

Every figure is a ratio (or a count) taken inside one run, so a noisy or slow machine moves both sides
of it together; absolute times are reported for context only. Results go to ``benchmarks/results/``
(``latest.json`` and ``latest.md``), which git ignores. ``docs/performance.md`` explains each figure.

Modules, one concern each:

* :mod:`benchmarks.harness`: the isolated environment, the emulator seed, interleaved timing, statistics.
* :mod:`benchmarks.report`: the :class:`~benchmarks.report.Figure` record and the JSON/Markdown writers.
* :mod:`benchmarks.inprocess`: warm lookup overhead and client reuse inside this process.
* :mod:`benchmarks.cold_cli`: the ``describe`` command against a plain boto3 script, whole processes.
* :mod:`benchmarks.provider_host`: client reuse in the real dynamic provider host, driven over gRPC.
* :mod:`benchmarks.engine`: the real Pulumi CLI (calls per resource, provider size, many lookups, scaling,
  memory), with :mod:`benchmarks.tcp_proxy` to observe connections and concurrency and
  :mod:`benchmarks.host_launcher` to measure the provider host the engine starts.
* :mod:`benchmarks.plugin`: the native plugin on its own (start to the port line, invoke overhead).
* :mod:`benchmarks.yaml_engine`: YAML programs through the plugin under the real CLI (calls per lookup,
  many lookups against the concurrency the engine gives), the Python route beside them, and the same
  lookups with no engine.
"""
