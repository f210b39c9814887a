"""Use cases of ragops: one function each, typed results in and out, no printing."""
