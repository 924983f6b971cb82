"""``python -m accesssim``: the same command line as the ``accesssim`` script."""

import sys

from accesssim.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
