"""FActScore (Min et al., EMNLP 2023): the share of an answer's atomic facts that evidence supports.

The pieces, one module each: ``claims`` (an answer's cleaned, checkable sentences), ``rule_facts`` (the offline
atomic-fact splitter) and ``llm_facts`` (the prompted decomposition), ``evidence`` (passages per fact: BM25 over
the app's corpus, or the passages the answer was given), ``lexical_verifier`` and ``llm_verifier`` (is a fact
supported by its passages), ``scores`` (length penalty and aggregation), ``family`` (the run's registry entries)
and ``calibration`` (agreement with hand labels). docs/factscore.md says how it differs from the paper.
"""
