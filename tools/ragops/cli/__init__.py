"""The ``ragops`` command line: one thin module per subcommand."""
