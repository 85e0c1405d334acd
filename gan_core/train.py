"""`python -m gan_core.train ...`: the command the Train page shows, kept under its old name.

It only forwards to the `train` command (gan_core/cli.py); the training loop itself lives in
gan_core/training/. Nothing imports this module.
"""

import sys

from gan_core.cli import main

if __name__ == "__main__":
    sys.exit(main())
