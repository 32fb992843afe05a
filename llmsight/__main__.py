import sys

from llmsight.cli import main

sys.exit(main())
