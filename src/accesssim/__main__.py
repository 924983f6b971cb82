"""``python -m accesssim``: the same command line as the ``accesssim`` script.

``python -m`` puts the current directory first on ``sys.path`` (as ``''`` or its full path).
That would make any ``*.py`` file beside the user's files importable, and with a scenario's
``type = "module:Class"`` or a module name that shadows a dependency, run by this command. The
``accesssim`` script does not do that, and neither does the project: the entry is removed here,
before anything else is imported. To import one's own policy modules (with ``--allow-code``),
name their folder explicitly: ``PYTHONPATH=. python -m accesssim run --allow-code ...``
(an explicit ``PYTHONPATH`` entry is kept). ``python -P`` / ``PYTHONSAFEPATH`` add no entry, so
there is nothing to remove.
"""

import os
import sys


def _drop_current_directory() -> None:
    if sys.flags.safe_path or not sys.path:
        return
    first = sys.path[0]
    here = os.path.dirname(os.path.realpath(__file__))  # run as a script: its own folder
    if first == "" or os.path.realpath(first) in (os.path.realpath(os.getcwd()), here):
        del sys.path[0]


_drop_current_directory()

from accesssim.cli.main import main  # noqa: E402  (after the path is made safe)

if __name__ == "__main__":
    sys.exit(main())
