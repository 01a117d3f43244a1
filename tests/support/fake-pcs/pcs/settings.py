import os

# Which pcs this stand-in plays, by what the writer's fast path meets in it (see README.md).
FLAVOUR = os.environ.get("FAKE_PCS_FLAVOUR", "0.11.5")
pcs_version = FLAVOUR if FLAVOUR[:1].isdigit() else "0.99.0"
