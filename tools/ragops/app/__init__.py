"""Use cases: one function per thing a user does (index, evaluate, serve, publish, …); typed results, no printing."""
