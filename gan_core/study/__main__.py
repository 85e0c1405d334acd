"""`python -m gan_core.study ...`: the course's study (the same as `python -m gan_core study`)."""

import sys

from gan_core.study.run import main

sys.exit(main())
