"""atlas-kg benchmarks: every stage at Atlas scale, against baselines measured in the same run.

``make bench`` runs ``python -m bench`` (see ``bench/__main__.py`` for the options). For each
size it generates (or reuses, by seed) a synthetic Atlas under ``build/bench-data/`` and runs
the stages, each repeat in a fresh process (so the peak memory is the stage's own):

- ``parse`` (``bench_parse``): pages/s on one core; floor: reading and decoding the files;
- ``ingest`` (``bench_ingest``): pages → store on disk, end to end; floor:
  ``pyoxigraph.Store(path).bulk_load`` of the N-Quads dump of the very same graph;
- ``queries`` (``bench_queries``): each named query on the on-disk store, and the same query
  with rdflib's SPARQL engine over the same quads (the naive baseline, loaded in the run);
- ``network``, ``serve``, ``remote``, ``resolve``: the ``run`` function of
  ``bench/bench_<stage>.py`` when that module exists (written with the stage it measures);
  "not available" otherwise.

``bench.report`` turns the results into ``BENCHMARKS.md`` and the scaling plot.
"""
