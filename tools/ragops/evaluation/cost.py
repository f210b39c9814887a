"""Cost and speed over a whole run: latency percentiles per stage, token use, throughput.

These vary from run to run, so the report keeps them in ``timings``, apart from the deterministic ``metrics``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from ragops.evaluation.predictions import Prediction

Stage = Callable[[Prediction], float]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100) with linear interpolation between closest ranks (numpy's default method)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def retrieve_ms(prediction: Prediction) -> float:
    return prediction.latency_ms.retrieve


def generate_ms(prediction: Prediction) -> float:
    return prediction.latency_ms.generate


def total_ms(prediction: Prediction) -> float:
    return prediction.latency_ms.total


def latency_percentile(predictions: Sequence[Prediction], stage: Stage, q: float) -> float | None:
    return percentile([stage(p) for p in predictions], q)


def tokens_total(predictions: Sequence[Prediction], completion: bool) -> float:
    return float(sum(p.completion_tokens if completion else p.prompt_tokens for p in predictions))


def tokens_mean(predictions: Sequence[Prediction], completion: bool) -> float | None:
    return tokens_total(predictions, completion) / len(predictions) if predictions else None


def questions_per_second(predictions: Sequence[Prediction], wall_seconds: float | None) -> float | None:
    """Questions answered per second of answering time, which only the caller knows (the pipeline: the slowest
    shard's timed retrieval and answering, without start-up): summed per-question latencies would overstate the
    time when questions are answered in parallel shards."""
    if wall_seconds is None or wall_seconds <= 0.0:
        return None
    return len(predictions) / wall_seconds
