"""Entity resolution on labelled synthetic data: merge precision and recall, French codes.

``python -m bench.bench_resolve --records 12000 --seed 1`` prints the figures; the tests
(``tests/test_resolve_synth.py``) assert the floors on a smaller atlas.

The labels come from the generator itself: ``atlas_kg.synth`` draws every foreign and
French collectivity as an entity, then writes it (``foreign_name``, ``french_name``), now
and then as a spelling variant. ``LabellingGenerator`` notes, for each name written, the
entity it was written for. That is the truth the resolution is scored against:

- **merging** (foreign collectivities): pairs of distinct nodes of one country
  (``collectivity/<cc>/<slug of the name as written>``: case, accents, apostrophes and
  hyphens already share a node) that are the same entity, against pairs that
  ``resolve.cluster_foreign`` puts in one cluster. Precision = right merged pairs / merged
  pairs, recall = right merged pairs / pairs of the same entity. The same figures over
  distinct written names are printed too.
- **French codes**: each French partner as written → ``resolve.resolve_record`` → the
  gazetteer entity, against the (kind, code) it was written for. Homonyms that nothing in
  the record settles are reported as ambiguous, not counted as errors.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from atlas_kg import countries, iris, resolve
from atlas_kg.record import Record
from atlas_kg.synth import _Generator

PRECISION_FLOOR = 0.99
RECALL_FLOOR = 0.95
FRENCH_FLOOR = 0.99


class LabellingGenerator(_Generator):
    """The synthetic generator, noting which entity each written name stands for."""

    def __init__(self, n: int, seed: int) -> None:
        super().__init__(n, seed)
        self.foreign_truth: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.french_truth: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def foreign_name(self, index: int) -> str:
        name = super().foreign_name(index)
        self.foreign_truth[(name, self.foreign[index].country)].add(index)
        return name

    def french_name(self, index: int, year: int) -> str:
        name = super().french_name(index, year)
        ent = self.french[index]
        self.french_truth[name].add((ent.kind, ent.code))
        return name


@dataclass
class LabelledAtlas:
    records: list[Record]
    foreign_truth: dict[tuple[str, str], set[int]]
    """(name as written, ISO alpha-2) → the foreign entities it was written for."""
    french_truth: dict[str, set[tuple[str, str]]]
    """French name as written → the (kind, code) it was written for."""


def labelled_atlas(n: int, seed: int) -> LabelledAtlas:
    """``n`` synthetic records (as ``atlas-kg synth`` makes them) and their labels."""
    gen = LabellingGenerator(n, seed)
    records = [gen.record(atlas_id).record for atlas_id in gen.ids]
    return LabelledAtlas(records, dict(gen.foreign_truth), dict(gen.french_truth))


# -- merging -------------------------------------------------------------------------------


@dataclass
class PairScores:
    precision: float
    recall: float
    merged_pairs: int
    true_pairs: int
    right_pairs: int
    units: int


def _pair_scores(units: Iterable[tuple[Any, Any]]) -> PairScores:
    """Pairwise precision/recall of (predicted cluster, true entity) labelled units."""
    cells: Counter = Counter()
    predicted: Counter = Counter()
    truth: Counter = Counter()
    count = 0
    for pred, true in units:
        cells[(pred, true)] += 1
        predicted[pred] += 1
        truth[true] += 1
        count += 1

    def pairs(counter: Counter) -> int:
        return sum(k * (k - 1) // 2 for k in counter.values())

    right, merged, true_pairs = pairs(cells), pairs(predicted), pairs(truth)
    return PairScores(
        right / merged if merged else 1.0,
        right / true_pairs if true_pairs else 1.0,
        merged,
        true_pairs,
        right,
        count,
    )


@dataclass
class MergeReport:
    nodes: PairScores
    names: PairScores
    by_rule: dict[str, int]
    wrong: list[tuple[str, str, str]] = field(default_factory=list)
    """(rule, label, merged into) of merges joining different entities (first few)."""
    missed: list[tuple[str, str]] = field(default_factory=list)
    """(label, label) of variants of one entity left apart (first few)."""
    seconds: float = 0.0


def foreign_names(records: Iterable[Record]) -> list[resolve.ForeignName]:
    """The foreign collectivity nodes the graph would hold, with their records (as the
    store query of ``resolve.refresh_resolution`` returns them)."""
    cited: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    partners: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for i, record in enumerate(records):
        resolution = resolve.resolve_record(record)
        french = set()
        for name in record.french_partners:
            decision = resolution.decision(name.strip())
            label = decision.entity.slug if decision.entity else iris.slug(decision.label)
            french.add(f"{iris.DEFAULT_BASE}collectivity/fr/{label}")
        for fp in record.foreign_partners:
            country = countries.lookup(fp.country or "")
            if country is None or not fp.name.strip():
                continue
            node = iris.collectivity_iri(fp.name.strip(), country.alpha2)
            cited[(node, fp.name.strip(), country.alpha2)].add(i)
            partners[(node, fp.name.strip(), country.alpha2)] |= french
    return [
        resolve.ForeignName(n, label, cc, len(ids), frozenset(partners[(n, label, cc)]))
        for (n, label, cc), ids in cited.items()
    ]


def score_merges(
    atlas: LabelledAtlas, merges: list[resolve.Merge], names: list[resolve.ForeignName]
) -> MergeReport:
    """Score ``merges`` (of ``cluster_foreign``) against the labels."""
    into = {m.node: m.into for m in merges}

    def truth(label: str, cc: str) -> Any:
        ids = atlas.foreign_truth.get((label, cc))
        # A French commune listed as a foreign partner: an entity of its own.
        return (cc, min(ids)) if ids else (cc, "french-as-foreign", search(label))

    def search(label: str) -> str:
        return iris.search_key(label)

    node_truth: dict[str, Any] = {}
    for n in names:
        node_truth.setdefault(n.node, truth(n.label, n.country))
    node_units = [(into.get(node, node), true) for node, true in node_truth.items()]
    name_units = [(into.get(n.node, n.node), truth(n.label, n.country)) for n in names]
    labels = {n.node: n.label for n in names}
    wrong = [
        (m.rule, m.label, m.into_label)
        for m in merges
        if node_truth.get(m.node) != node_truth.get(m.into)
    ]
    clusters: dict[Any, set[str]] = defaultdict(set)
    for node, true in node_truth.items():
        clusters[true].add(into.get(node, node))
    missed = []
    for preds in clusters.values():
        if len(preds) > 1:
            missed.append(tuple(labels.get(p, p) for p in sorted(preds))[:2])
    return MergeReport(
        _pair_scores(node_units),
        _pair_scores(name_units),
        dict(Counter(m.rule for m in merges)),
        wrong[:20],
        missed[:20],  # type: ignore[arg-type]
    )


# -- French codes --------------------------------------------------------------------------


@dataclass
class FrenchReport:
    mentions: int = 0
    right: int = 0
    wrong: int = 0
    ambiguous: int = 0
    unknown: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    wrong_examples: list[tuple[str, str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def accuracy(self) -> float:
        """Right codes among the names resolved."""
        resolved = self.right + self.wrong
        return self.right / resolved if resolved else 1.0

    @property
    def coverage(self) -> float:
        return (self.right + self.wrong) / self.mentions if self.mentions else 1.0


def score_french(atlas: LabelledAtlas) -> FrenchReport:
    report = FrenchReport()
    rules: Counter = Counter()
    started = time.perf_counter()
    resolutions = [resolve.resolve_record(r) for r in atlas.records]
    report.seconds = time.perf_counter() - started
    for record, resolution in zip(atlas.records, resolutions, strict=True):
        for name in record.french_partners:
            truth = atlas.french_truth.get(name)
            if not truth:
                continue
            report.mentions += 1
            decision = resolution.decision(name.strip())
            rules[decision.rule] += 1
            if decision.entity is None:
                if decision.rule == "ambiguous":
                    report.ambiguous += 1
                else:
                    report.unknown += 1
                continue
            if (decision.entity.kind, decision.entity.code) in truth:
                report.right += 1
            else:
                report.wrong += 1
                if len(report.wrong_examples) < 20:
                    got = f"{decision.entity.kind} {decision.entity.code} ({decision.rule})"
                    report.wrong_examples.append((name, str(sorted(truth)), got))
    report.by_rule = dict(rules)
    return report


# -- the run -------------------------------------------------------------------------------


def measure(n: int, seed: int) -> dict[str, Any]:
    """Generate, resolve and score; every figure as a plain dict."""
    started = time.perf_counter()
    atlas = labelled_atlas(n, seed)
    generated = time.perf_counter() - started
    names = foreign_names(atlas.records)
    t0 = time.perf_counter()
    merges = resolve.cluster_foreign(names)
    cluster_seconds = time.perf_counter() - t0
    merge = score_merges(atlas, merges, names)
    merge.seconds = cluster_seconds
    french = score_french(atlas)
    return {
        "records": n,
        "seed": seed,
        "generate_seconds": round(generated, 2),
        "foreign_nodes": merge.nodes.units,
        "foreign_names": merge.names.units,
        "merges": len(merges),
        "merges_by_rule": merge.by_rule,
        "precision": merge.nodes.precision,
        "recall": merge.nodes.recall,
        "pairs": {
            "merged": merge.nodes.merged_pairs,
            "true": merge.nodes.true_pairs,
            "right": merge.nodes.right_pairs,
        },
        "name_precision": merge.names.precision,
        "name_recall": merge.names.recall,
        "wrong_merges": merge.wrong,
        "missed_merges": merge.missed,
        "cluster_seconds": round(cluster_seconds, 3),
        "french_mentions": french.mentions,
        "french_right": french.right,
        "french_wrong": french.wrong,
        "french_ambiguous": french.ambiguous,
        "french_unknown": french.unknown,
        "french_accuracy": french.accuracy,
        "french_coverage": french.coverage,
        "french_by_rule": french.by_rule,
        "french_wrong_examples": french.wrong_examples,
        "resolve_records_seconds": round(french.seconds, 3),
    }


def run(records: int, seed: int) -> dict[str, Any]:
    """The ``resolve`` stage of ``python -m bench``: ``measure`` at the size and seed of the
    run (the driver binds them by name)."""
    return measure(records, seed)


def format_report(m: dict[str, Any]) -> str:
    lines = [
        f"entity resolution on {m['records']:,} labelled synthetic records (seed {m['seed']})",
        f"  foreign: {m['foreign_nodes']:,} nodes ({m['foreign_names']:,} written names), "
        f"{m['merges']:,} merged across records "
        f"({', '.join(f'{k} {v}' for k, v in sorted(m['merges_by_rule'].items()))}) "
        f"in {m['cluster_seconds']:.2f} s",
        f"  merging precision {m['precision']:.4f} (floor {PRECISION_FLOOR}), "
        f"recall {m['recall']:.4f} (floor {RECALL_FLOOR}); pairs merged "
        f"{m['pairs']['merged']:,}, true {m['pairs']['true']:,}, right {m['pairs']['right']:,}",
        f"  over written names: precision {m['name_precision']:.4f}, recall {m['name_recall']:.4f}",
        f"  French partners: {m['french_mentions']:,} mentions, {m['french_right']:,} right, "
        f"{m['french_wrong']:,} wrong, {m['french_ambiguous']:,} ambiguous (reported), "
        f"{m['french_unknown']:,} unknown; accuracy {m['french_accuracy']:.4f} "
        f"(floor {FRENCH_FLOOR}), coverage {m['french_coverage']:.4f}; "
        f"resolve_record for all records in {m['resolve_records_seconds']:.2f} s",
        f"  French rules: {', '.join(f'{k} {v}' for k, v in sorted(m['french_by_rule'].items()))}",
    ]
    for rule, label, into in m["wrong_merges"][:5]:
        lines.append(f"  wrong merge ({rule}): {label!r} → {into!r}")
    for a, b in m["missed_merges"][:5]:
        lines.append(f"  missed: {a!r} / {b!r}")
    for name, truth, got in m["french_wrong_examples"][:5]:
        lines.append(f"  wrong French code: {name!r}: expected {truth}, got {got}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=12000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    m = measure(args.records, args.seed)
    print(format_report(m))
    ok = (
        m["precision"] >= PRECISION_FLOOR
        and m["recall"] >= RECALL_FLOOR
        and m["french_accuracy"] >= FRENCH_FLOOR
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
