"""The use cases of ragops, one module each: typed results in and out, no printing, no exit codes."""
