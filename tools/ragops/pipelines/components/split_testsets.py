"""Component: keep one part (tuning or confirmation) of the test sets, split by question-id hash."""

from kfp import dsl
from kfp.dsl import Dataset, Input, Output

from ragops.pipelines.components import RAGOPS_IMAGE


@dsl.component(base_image=RAGOPS_IMAGE, install_kfp_package=False)
def split_testsets(
    testsets: Input[Dataset], split_json: str, part: str, part_hash: str, questions: Output[Dataset]
) -> int:
    """Write the test sets' questions of ``part`` (``ragops.evaluation.split``) into ``questions``; returns how
    many. ``part_hash`` is not read: it keys the KFP cache on the test sets' content, the split and the part."""
    from ragops.pipelines.steps import split_step

    return split_step(testsets.path, split_json, part, questions.path)
