"""`python -m gan_core COMMAND ...`: the package's command line, one sub-command per job.

    python -m gan_core train --preset fast --iterations 500 --out runs/fast
    python -m gan_core study --out results/course_study --iterations 3000
    python -m gan_core attributes --zip faces64.zip --labels faces64.labels.csv --out pretrained/faces64-attributes
    python -m gan_core encoder --out pretrained/faces64-encoder

`python -m gan_core.train ...` and `python -m gan_core.study ...` still work: they are the same
commands under their older names.
"""

from __future__ import annotations

import importlib
import sys

# command -> (module, what it does); the module is imported only when its command runs
COMMANDS = {
    "train": ("gan_core.cli", "train a GAN (every run in the app is one of these)"),
    "study": ("gan_core.study.run", "the course's hyperparameter study"),
    "attributes": ("gan_core.faces.attributes", "train the age/gender attribute model"),
    "encoder": ("gan_core.faces.encoder", "train the image -> z encoder for a generator"),
}


def usage() -> str:
    rows = "\n".join(f"  {name:<11} {what}" for name, (_, what) in COMMANDS.items())
    return f"usage: python -m gan_core COMMAND [options]\n\ncommands:\n{rows}\n\n'python -m gan_core COMMAND --help' for a command's options."


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"unknown command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    return importlib.import_module(COMMANDS[command][0]).main(rest) or 0


if __name__ == "__main__":
    sys.exit(main())
