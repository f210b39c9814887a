"""Sweeps: many settings of one app compared with its current config, honestly (see ``selection``)."""
