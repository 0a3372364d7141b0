"""Benchmarks of issue 7: the data set at scale (``seed``), the page registry (``pages``) and the runner
(``run``). Installed as a Django app only by ``bench.settings`` (``make bench``): production settings stay
as they are."""
