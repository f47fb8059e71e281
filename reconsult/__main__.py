"""``python -m reconsult``: the same CLI as the ``reconsult`` script."""

from reconsult.cli import app

app(prog_name="reconsult")
