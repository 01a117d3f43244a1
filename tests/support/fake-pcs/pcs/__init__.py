import os

# "no-import": a pcs this Python cannot import in process (its executable, bin/pcs, still runs)
if os.environ.get("FAKE_PCS_FLAVOUR") == "no-import" and not os.environ.get("FAKE_PCS_EXECUTABLE"):
    raise ImportError("fake pcs: cannot be imported here (flavour no-import)")
