"""Templates shipped inside the package (Jinja2, in a ``templates/`` folder beside the module that uses them).

One way to load them: a misspelt name fails the render instead of printing nothing (StrictUndefined), block tags
leave no blank lines behind, and only HTML is escaped — YAML and Markdown templates get checked names and paths.
"""

from __future__ import annotations

from functools import cache

import jinja2


@cache
def template(package: str, name: str, *, html: bool = False) -> jinja2.Template:
    """``<package>/templates/<name>``, compiled once per process."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.get_template(name)
