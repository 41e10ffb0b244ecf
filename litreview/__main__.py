import sys

from litreview.cli import main

sys.exit(main())
