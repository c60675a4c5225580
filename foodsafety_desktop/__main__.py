"""Allows `python -m foodsafety_desktop`."""

from foodsafety_desktop.app import main

raise SystemExit(main())
