# Benchmarks run through `make bench`, never as tests: they time whole processes for minutes.
collect_ignore_glob = ["*.py"]
