import sys

from family_safety.server.cli import main

sys.exit(main())
