import sys

from family_safety.cli import main

sys.exit(main())
