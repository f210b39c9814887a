"""What a release records of its run: every headline metric the run reports (the registry's flag decides), and
every metric a gate rule names."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ragops.evaluation import metrics
from ragops.evaluation.run_folder import RunFolder
from ragops.gitops.release import release_from_run
from ragops.gitops.release_gate import GateVerdict
from tests.support.scratch_repo import DIGEST_A, make_run, scratch_repo


def test_a_release_records_every_headline_metric_the_report_has(tmp_path: Path) -> None:
    repo = scratch_repo(tmp_path)
    contents = RunFolder(make_run(repo, repo / "runs" / "one")).read()
    report = contents.report
    release = release_from_run(
        report=report,
        config=contents.config,
        environment="staging",
        index_uri="file:///store/a.tar",
        index_digest=DIGEST_A,
        image=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        verdict=GateVerdict([]),
    )
    recorded = release.evaluation.metrics
    reported = {**report.metrics, **report.timings}
    headline = [name for name in reported if metrics.is_headline(name)]
    # Ranked metrics at the headline cut-off (this app reports k = 1, 2: the largest), every flagged family present.
    assert {name.partition("@")[0] for name in headline} == {
        entry.name for entry in (*metrics.METRICS, *metrics.TIMINGS) if entry.headline
    }
    at_cutoff = [n for n in headline if "@" not in n or n.endswith(f"@{metrics.headline_k(report.metadata.k_values)}")]
    assert at_cutoff and all(recorded[name] == round(reported[name], 6) for name in at_cutoff)
    assert "mrr@2" in recorded  # the defect: a hard-coded "mrr" matched no reported name, so no MRR was recorded
    # The gate rule's metric is recorded too, even at another cut-off.
    assert "hit_rate@1" in recorded
