"""Command line: ``accesssim apl`` (accessibility against published figures), ``run`` (a
scenario over seeds), ``compare``, ``sweep``, ``summarize``, ``dashboard``, ``examples``,
``calibrate``, ``validate``, ``sensitivity``. ``main`` parses the arguments (``parser``),
calls the sub-command's handler (``commands``, ``dashboard_server``) and keeps a closed pipe
(``accesssim ... | head``) quiet."""

from __future__ import annotations

import os
import sys

from accesssim.cli import commands, dashboard_server
from accesssim.cli.parser import build_parser
from accesssim.geo import territory as terr
from accesssim.policies import registry

HANDLERS = {  # sub-command -> handler
    "apl": commands.cmd_apl,
    "run": commands.cmd_run,
    "compare": commands.cmd_compare,
    "optimise": commands.cmd_optimise,
    "sweep": commands.cmd_sweep,
    "sensitivity": commands.cmd_sensitivity,
    "summarize": commands.cmd_summarize,
    "dashboard": dashboard_server.cmd_dashboard,
    "examples": commands.cmd_examples,
    "validate": commands.cmd_validate,
    "calibrate": commands.cmd_calibrate,
}


def main(argv=None) -> int:
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (`accesssim ... | head`): no traceback; silence the final flush
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:  # --allow-code: scenario files may name "package.module:Class" policies (imported)
        with registry.code_allowed(getattr(args, "allow_code", False)):
            return HANDLERS[args.command](args)
    except (terr.TerritoryError, ValueError) as exc:
        print(f"accesssim: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise  # a closed pipe: main() keeps it quiet
    except OSError as exc:  # a folder under a file, disk full, file too large, ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"accesssim: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
