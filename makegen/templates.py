"""The jinja2 environment of the templates in rules/ (shipped as makegen.rules).

Both the emitter (the build folder) and the backends (submission scripts) render through
here; it imports only jinja2, so the read side stays light.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import jinja2

from .contract import layout


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    folder = resources.files("makegen.rules")
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        # Bash's ${#array[@]} would open a Jinja comment; the templates use none.
        comment_start_string="<%#",
        comment_end_string="#%>",
    )
    # Every template may name the build's layout and the node's exit codes.
    environment.globals.update(L=layout.Layout, exit=layout.NodeExit, outcome=layout.Outcome,
                               hash_glob="[0-9a-f]" * layout.Layout.hash_length,
                               signals=[name for name, _ in layout.NODE_SIGNALS],
                               signal_codes=layout.NODE_SIGNALS)
    return environment


def render(template: str, **context: object) -> str:
    return _environment().get_template(template).render(**context)


@lru_cache(maxsize=1)
def _html_environment() -> jinja2.Environment:
    """For HTML: every value escaped (markupsafe), `|tojson` safe inside <script>."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("makegen.rules"))),
        undefined=jinja2.StrictUndefined, autoescape=True, keep_trailing_newline=True,
        trim_blocks=True, lstrip_blocks=True)


def render_html(template: str, **context: object) -> str:
    """An HTML template of rules/, with autoescaping (the text of logs and ids is anyone's)."""
    return _html_environment().get_template(template).render(**context)
